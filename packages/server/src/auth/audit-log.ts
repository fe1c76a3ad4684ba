/**
 * The append-only audit log of every write: who (and whether that was proven), from which
 * address, when, what (the route and the resource it named) and how it ended (the status). The
 * store can only append and read (its SQL table refuses UPDATE and DELETE); only admins read it.
 */
import { KeelError } from '@keel/contracts'
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

/** Records kept while the store is unreachable; past this, the oldest are dropped (and logged). */
const MAX_PENDING = 10_000
const RETRY_MS = 1_000

export interface AuditLogOptions {
  /** Told once when records start waiting, once when they are written, and of any dropped. */
  readonly onDelay?: (event: { kind: 'waiting' | 'written' | 'dropped'; count: number; error?: unknown }) => void
}

/**
 * A record of a write that succeeded must not be lost because the store was away for a moment
 * (PostgreSQL restarting between the write's commit and the record's): records the store refuses
 * as TEMPORARILY_UNAVAILABLE wait in memory, in order, and are appended once it answers again
 * (retried every second, and at close). Later records queue behind them, so the log keeps their
 * order. Other errors are the caller's, as before.
 */
export class AuditLog {
  private readonly pending: AuditEntry[] = []
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> | undefined

  constructor(
    private readonly store: AuditStore,
    private readonly options: AuditLogOptions = {},
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    if (this.pending.length > 0) {
      this.wait(entry)
      return
    }
    try {
      await this.store.append(entry)
    } catch (error) {
      if (!(error instanceof KeelError) || error.code !== 'TEMPORARILY_UNAVAILABLE') throw error
      this.options.onDelay?.({ kind: 'waiting', count: 1, error })
      this.wait(entry)
    }
  }

  /** Records waiting for the store. */
  get waiting(): number {
    return this.pending.length
  }

  /** Appends what waits, in order, until the store refuses again. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined
    })
    return this.flushing
  }

  /** One last attempt at what waits; the timer stops. */
  async close(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.pending.length > 0) await this.flush()
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private wait(entry: AuditEntry): void {
    this.pending.push(entry)
    if (this.pending.length > MAX_PENDING) {
      this.pending.shift()
      this.options.onDelay?.({ kind: 'dropped', count: 1 })
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, RETRY_MS).unref()
  }

  private async drain(): Promise<void> {
    let written = 0
    while (this.pending.length > 0) {
      try {
        await this.store.append(this.pending[0]!)
        written++
      } catch (error) {
        if (error instanceof KeelError && error.code === 'TEMPORARILY_UNAVAILABLE') {
          this.timer ??= setTimeout(() => {
            this.timer = undefined
            void this.flush()
          }, RETRY_MS).unref()
          return
        }
        // A record the store refuses for another reason would block every one behind it.
        this.options.onDelay?.({ kind: 'dropped', count: 1, error })
      }
      this.pending.shift()
    }
    if (written > 0) this.options.onDelay?.({ kind: 'written', count: written })
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
