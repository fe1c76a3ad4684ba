/**
 * The append-only audit log of every write: who (and whether that was proven), from which
 * address, when, what (the route and the resource it named) and how it ended (the status). The
 * store can only append and read (its SQL table refuses UPDATE and DELETE); only admins read it.
 */
import { validateMaxResults } from '../paging/max-results.js'
import { isCount, keysetPage, pageTokenCodec } from '../paging/page-token.js'

export interface AuditEntry {
  readonly timestampMs: number
  readonly actor: string
  readonly authenticated: boolean
  readonly address: string
  readonly method: string
  readonly path: string
  readonly action: string
  readonly resource?: Readonly<Record<string, string>> | undefined
  readonly status: number
  readonly requestId: string
}

export interface AuditRecord extends AuditEntry {
  readonly seq: number
}

export interface AuditQuery {
  readonly actor?: string
  readonly startTime?: number
  readonly endTime?: number
  /** Records after this sequence number (the page token). */
  readonly afterSeq?: number
  readonly limit: number
}

export interface AuditStore {
  append(entry: AuditEntry): Promise<void>
  /** Oldest first, in the order they were appended. */
  search(query: AuditQuery): Promise<AuditRecord[]>
}

/** Audit pages: a keyset on the sequence number, oldest first. */
const auditToken = pageTokenCodec((p): p is { readonly seq: number } => isCount(p.seq))

export class AuditLog {
  constructor(private readonly store: AuditStore) {}

  append(entry: AuditEntry): Promise<void> {
    return this.store.append(entry)
  }

  async search(query: {
    actor?: string
    startTime?: number
    endTime?: number
    maxResults?: number
    pageToken?: string
  }): Promise<{ records: readonly AuditRecord[]; nextPageToken?: string }> {
    const limit = validateMaxResults(query.maxResults, 100, 1000)
    // An empty page_token is the first page, as everywhere (MLflow's `if page_token:`).
    const afterSeq = query.pageToken ? auditToken.decode(query.pageToken).seq : undefined
    const records = await this.store.search({
      ...(query.actor !== undefined && { actor: query.actor }),
      ...(query.startTime !== undefined && { startTime: query.startTime }),
      ...(query.endTime !== undefined && { endTime: query.endTime }),
      ...(afterSeq !== undefined && { afterSeq }),
      limit: limit + 1,
    })
    const found = { items: records.slice(0, limit), hasMore: records.length > limit }
    const page = keysetPage(found, auditToken, (last) => ({ seq: last.seq }))
    return { records: page.items, ...(page.nextPageToken !== undefined && { nextPageToken: page.nextPageToken }) }
  }
}
