/**
 * Verdicts on credentials, remembered for a bounded time so that the hot path does not ask the
 * tracking server on every request. Keyed on the SHA-256 of the `Authorization` header: the
 * secret itself is never kept. Concurrent misses on one key share one verification; a failed
 * verification (the tracking server unreachable) is not remembered. The map is bounded: when
 * full, expired entries go first, then the oldest.
 */
import { createHash } from 'node:crypto'

interface Entry<T> {
  readonly value: T
  readonly expires: number
}

export const credentialKey = (header: string): string => createHash('sha256').update(header, 'utf8').digest('base64url')

export class CredentialCache<T> {
  private readonly entries = new Map<string, Entry<T>>()
  private readonly pending = new Map<string, Promise<T>>()

  constructor(
    /** How long a verdict stands; 0 verifies every request. */
    private readonly ttlMs: (value: T) => number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size
  }

  /** The remembered verdict on `header`, else `verify()`'s (remembered for its TTL). */
  get(header: string, verify: () => Promise<T>): Promise<T> {
    const key = credentialKey(header)
    const entry = this.entries.get(key)
    if (entry !== undefined) {
      if (entry.expires > this.now()) return Promise.resolve(entry.value)
      this.entries.delete(key)
    }
    const inFlight = this.pending.get(key)
    if (inFlight !== undefined) return inFlight
    // The verdict stands from when it was asked for: a credential revoked after the tracking
    // server answered stops working at most one TTL after the revocation.
    const asked = this.now()
    const verifying = verify().then(
      (value) => {
        this.pending.delete(key)
        this.remember(key, value, asked)
        return value
      },
      (error: unknown) => {
        this.pending.delete(key)
        throw error
      },
    )
    this.pending.set(key, verifying)
    return verifying
  }

  private remember(key: string, value: T, asked: number): void {
    const ttl = this.ttlMs(value)
    if (ttl <= 0 || asked + ttl <= this.now()) return
    if (this.entries.size >= this.maxEntries) {
      const now = this.now()
      for (const [k, e] of this.entries) if (e.expires <= now) this.entries.delete(k)
      // Still full: the oldest go (a Map iterates in insertion order).
      for (const k of this.entries.keys()) {
        if (this.entries.size < this.maxEntries) break
        this.entries.delete(k)
      }
    }
    this.entries.set(key, { value, expires: asked + ttl })
  }
}
