import { describe, expect, it } from 'vitest'
import {
  decodePageToken,
  invalidPageToken,
  isCount,
  keysetPage,
  offsetToken,
  pageTokenCodec,
  toPage,
} from './page-token.js'

const refused = (fn: () => unknown, token: string) =>
  expect(fn).toThrow(
    expect.objectContaining({
      code: 'INVALID_PARAMETER_VALUE',
      message: `Invalid value '${token.slice(0, 64)}' for parameter 'page_token' supplied. It was not issued by this server.`,
    }),
  )

const b64 = (text: string) => Buffer.from(text).toString('base64url')

describe('offset page tokens', () => {
  it('round-trip the offset of the next page and end on the last page', () => {
    expect(decodePageToken(offsetToken.encode({ offset: 1234 }))).toBe(1234)
    expect(decodePageToken(undefined)).toBe(0)
    expect(decodePageToken('')).toBe(0)
    expect(toPage(['a', 'b'], 100, true)).toEqual({
      items: ['a', 'b'],
      nextPageToken: offsetToken.encode({ offset: 102 }),
    })
    expect(toPage(['a', 'b'], 100, false)).toEqual({ items: ['a', 'b'] })
  })

  it.each(['garbage', b64('{"offset":-1}'), b64('{"offset":"7"}'), b64('[]'), b64('7'), b64('null'), 'x'.repeat(100)])(
    'refuses a token it did not make, naming it, in the one wording: %s',
    (token) => refused(() => decodePageToken(token), token),
  )
})

describe('keyset page tokens', () => {
  const cursor = pageTokenCodec(
    (p): p is { readonly at: number; readonly id: string } => isCount(p.at) && typeof p.id === 'string',
  )

  it('carry the cursor after the last stored item, and the items as the caller maps them', () => {
    const stored = [
      { at: 1, id: 'a' },
      { at: 2, id: 'b' },
    ]
    const page = keysetPage(
      { items: stored, hasMore: true },
      cursor,
      (last) => ({ at: last.at, id: last.id }),
      (s) => s.id,
    )
    expect(page.items).toEqual(['a', 'b'])
    expect(cursor.decode(page.nextPageToken!)).toEqual({ at: 2, id: 'b' })
    expect(keysetPage({ items: stored, hasMore: false }, cursor, (last) => last)).toEqual({ items: stored })
  })

  it("refuses another search's token with the same wording as garbage", () => {
    const offset = offsetToken.encode({ offset: 3 })
    refused(() => cursor.decode(offset), offset)
    const keyset = cursor.encode({ at: 1, id: 'a' })
    refused(() => decodePageToken(keyset), keyset)
  })

  it('says more when the token is ours but does not fit the search', () => {
    expect(invalidPageToken('abc', "It continues a search in 'asc' order, not 'desc'.").message).toBe(
      "Invalid value 'abc' for parameter 'page_token' supplied. It continues a search in 'asc' order, not 'desc'.",
    )
  })
})
