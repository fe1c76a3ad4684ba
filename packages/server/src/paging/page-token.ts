/**
 * Opaque page tokens. Clients never parse them; keel encodes the offset of the next page and
 * refuses a token it did not make.
 */
import { KeelError, type Page } from '@keel/contracts'

export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url')
}

export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
    const offset = (parsed as { offset?: unknown }).offset
    if (typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0) return offset
  } catch {
    // fall through to the error below
  }
  throw KeelError.invalid(`Invalid page token '${token.slice(0, 64)}': it was not issued by this server`)
}

/** The token of the page after one that started at `offset` and held `count` items. */
export function nextPageToken(offset: number, count: number, hasMore: boolean): string | undefined {
  return hasMore ? encodePageToken(offset + count) : undefined
}

/** A page of results as services return it: the items and, unless it is the last page, the next token. */
export function toPage<T>(items: readonly T[], offset: number, hasMore: boolean): Page<T> {
  const token = nextPageToken(offset, items.length, hasMore)
  return token ? { items, nextPageToken: token } : { items }
}
