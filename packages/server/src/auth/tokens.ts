/**
 * Personal access tokens and browser sessions: `keel_<id>_<secret>`, the id public (it finds the
 * row), the secret 32 random bytes of which only the SHA-256 is stored. A high-entropy secret
 * needs no slow KDF; comparison is constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

export interface IssuedToken {
  readonly tokenId: string
  readonly secretHash: string
  /** The whole token, shown to its owner once. */
  readonly token: string
}

const TOKEN = /^keel_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

export function issueToken(): IssuedToken {
  const tokenId = randomBytes(8).toString('hex')
  const secret = randomBytes(32).toString('base64url')
  return { tokenId, secretHash: sha256(secret), token: `keel_${tokenId}_${secret}` }
}

/** The id and secret of a well-formed token, else undefined. */
export function parseToken(token: string): { readonly tokenId: string; readonly secret: string } | undefined {
  const match = TOKEN.exec(token)
  return match ? { tokenId: match[1]!, secret: match[2]! } : undefined
}

export function secretMatches(secret: string, secretHash: string): boolean {
  const a = Buffer.from(sha256(secret), 'hex')
  const b = Buffer.from(secretHash, 'hex')
  return a.length === b.length && timingSafeEqual(a, b)
}
