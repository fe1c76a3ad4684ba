/**
 * Opaque page tokens, one format for every search (tracking, registry, the prediction log, live
 * monitors, the audit log): base64url of a small JSON object. Each search names the type of its
 * payload and how to check it (`pageTokenCodec`): an offset, or a keyset cursor (the last item's
 * sort key). Clients never parse a token; one this server did not issue, or issued for another
 * search, is INVALID_PARAMETER_VALUE naming the token, in one wording (`invalidPageToken`).
 */
import { KeelError, type Page } from '@keel/contracts'

/** What a token carries: a few named numbers and strings. */
export type TokenPayload = Readonly<Record<string, number | string>>

/** The tokens of one search: its payload in, a token out, and back, checked. */
export interface PageTokenCodec<P extends TokenPayload> {
  encode(payload: P): string
  /** The payload of a token this codec made; anything else is `invalidPageToken`. */
  decode(token: string): P
}

/** What a store answers for one page: the items, and whether more follow. */
export interface FoundPage<T> {
  readonly items: readonly T[]
  readonly hasMore: boolean
}

/** A non-negative safe integer: an offset, a sequence number, epoch milliseconds. */
export const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0

/** The error of a bad `page_token`, naming it: it was not issued by this server, unless `why` says more. */
export function invalidPageToken(token: string, why = 'It was not issued by this server.'): KeelError {
  return KeelError.invalid(`Invalid value '${token.slice(0, 64)}' for parameter 'page_token' supplied. ${why}`)
}

/** The codec of a payload `accepts` recognises. */
export function pageTokenCodec<P extends TokenPayload>(
  accepts: (payload: Readonly<Record<string, unknown>>) => payload is P,
): PageTokenCodec<P> {
  return {
    encode: (payload) => Buffer.from(JSON.stringify(payload)).toString('base64url'),
    decode: (token) => {
      let payload: unknown
      try {
        payload = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
      } catch {
        payload = undefined
      }
      if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
        const fields = payload as Readonly<Record<string, unknown>>
        if (accepts(fields)) return fields
      }
      throw invalidPageToken(token)
    },
  }
}

/**
 * A page of a keyset search: the items (`map`ped for the caller, when given) and, when more follow,
 * the token of the cursor after the last stored item.
 */
export function keysetPage<S, P extends TokenPayload>(
  found: FoundPage<S>,
  codec: PageTokenCodec<P>,
  cursor: (last: S) => P,
): Page<S>
export function keysetPage<S, T, P extends TokenPayload>(
  found: FoundPage<S>,
  codec: PageTokenCodec<P>,
  cursor: (last: S) => P,
  map: (item: S) => T,
): Page<T>
export function keysetPage<S, T, P extends TokenPayload>(
  found: FoundPage<S>,
  codec: PageTokenCodec<P>,
  cursor: (last: S) => P,
  map?: (item: S) => T,
): Page<S | T> {
  const items = map === undefined ? found.items : found.items.map(map)
  const last = found.items.at(-1)
  return found.hasMore && last !== undefined ? { items, nextPageToken: codec.encode(cursor(last)) } : { items }
}

/** Offset pages (tracking, registry, alias requests): the token holds the offset of the next page. */
export const offsetToken = pageTokenCodec((p): p is { readonly offset: number } => isCount(p.offset))

/** Where an offset-paged search starts: 0 without a token. */
export function decodePageToken(token: string | undefined): number {
  return token === undefined || token === '' ? 0 : offsetToken.decode(token).offset
}

/** A page of an offset-paged search that started at `offset`: the items and, unless it is the last page, the next token. */
export function toPage<T>(items: readonly T[], offset: number, hasMore: boolean): Page<T> {
  return hasMore ? { items, nextPageToken: offsetToken.encode({ offset: offset + items.length }) } : { items }
}
