/**
 * A small seeded pseudo-random generator: mulberry32 (Tommy Ettinger's 32-bit generator).
 * Returns a function yielding floats in [0, 1); the same seed always yields the same sequence.
 * The seed must be an integer; it is reduced to 32 bits (`seed >>> 0`).
 * Not cryptographic; period 2^32.
 */
export function createRng(seed: number): () => number {
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${String(seed)}`)
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An integer in [0, n) from a generator made by createRng. */
export function randomInt(rng: () => number, n: number): number {
  return Math.floor(rng() * n)
}

/** Fisher–Yates shuffle of a copy of `items`. */
export function shuffled<T>(items: readonly T[], rng: () => number): T[] {
  const a = [...items]
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1)
    const tmp = a[i] as T
    a[i] = a[j] as T
    a[j] = tmp
  }
  return a
}
