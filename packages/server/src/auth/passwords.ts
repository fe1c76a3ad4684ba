/**
 * Password hashing with scrypt (memory-hard; Node's crypto, on the libuv thread pool so the event
 * loop never waits): `scrypt:N:r:p$salt$hash`, base64, as Werkzeug (MLflow's hasher) writes it in
 * spirit. A verified (user, password) pair is remembered by an HMAC of it under a per-process key,
 * bound to the stored hash it matched, so each request does not pay for the KDF again; a new
 * password hash (a change, in any process) invalidates it at once.
 */
import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

const N = 2 ** 15
const R = 8
const P = 1
const KEY_LENGTH = 32
const MAX_MEMORY = 256 * N * R

function derive(password: string, salt: Buffer, n: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      salt,
      keyLength,
      { N: n, r, p, maxmem: Math.max(MAX_MEMORY, 256 * n * r) },
      (error, key) => (error ? reject(error) : resolve(key)),
    )
  })
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, N, R, P, KEY_LENGTH)
  return `scrypt:${N}:${R}:${P}$${salt.toString('base64')}$${key.toString('base64')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = /^scrypt:(\d+):(\d+):(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored)
  if (!match) return false
  const [, n, r, p, salt, hash] = match
  const expected = Buffer.from(hash!, 'base64')
  const key = await derive(password, Buffer.from(salt!, 'base64'), Number(n), Number(r), Number(p), expected.length)
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/** Remembers verified credentials: HMAC(username, password) -> the stored hash they matched. */
export class VerifiedCredentials {
  private readonly key = randomBytes(32)
  private readonly entries = new Map<string, string>()

  constructor(private readonly maxEntries = 10_000) {}

  private id(username: string, password: string): string {
    return createHmac('sha256', this.key).update(username).update('\u0000').update(password).digest('base64')
  }

  /** True when this pair was verified against exactly this stored hash. */
  has(username: string, password: string, storedHash: string): boolean {
    return this.entries.get(this.id(username, password)) === storedHash
  }

  remember(username: string, password: string, storedHash: string): void {
    const id = this.id(username, password)
    this.entries.delete(id)
    this.entries.set(id, storedHash)
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
  }
}
