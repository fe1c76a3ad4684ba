// 64-bit hashes of cells for HyperLogLog: numbers by a bijective mix of their two IEEE-754 words
// through MurmurHash3's finaliser; strings and booleans by two MurmurHash3 (x86_32) words with
// different seeds over their bytes plus a type tag, so 1, "1" and true hash differently (they are
// different categories in keel's drift tests). Numbers hash their IEEE-754 bits (−0 as 0); strings
// their UTF-16 code units. No allocation per value: results land in the module's `HASH` pair.

const C1 = 0xcc9e2d51
const C2 = 0x1b873593
const SEED_A = 0x9747b28c
const SEED_B = 0x3c6ef372

const f64 = new Float64Array(1)
const u32 = new Uint32Array(f64.buffer)

/** The last hash: HASH[0] and HASH[1] (two independent 32-bit words). */
export const HASH = new Uint32Array(2)

function mixK(k: number): number {
  k = Math.imul(k, C1)
  k = (k << 15) | (k >>> 17)
  return Math.imul(k, C2)
}

function step(h: number, k: number): number {
  h ^= mixK(k)
  h = (h << 13) | (h >>> 19)
  return (Math.imul(h, 5) + 0xe6546b64) | 0
}

/**
 * MurmurHash3's 32-bit finaliser (fmix32): every bit of `h` avalanches into every bit of the
 * result, an unsigned 32-bit integer. Also the model server's sticky routing hash's last step.
 */
export function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

const fmix = (h: number, len: number): number => fmix32(h ^ len)

const TAG_STRING = 2
const TAG_BOOLEAN = 3

export function hashNumber(x: number): void {
  f64[0] = x === 0 ? 0 : x
  const lo = u32[0]!
  const hi = u32[1]!
  // (lo, hi) -> (a, b) is a bijection (each step invertible), so distinct numbers never collide;
  // fmix avalanches every input bit into every output bit
  const a = fmix(lo ^ Math.imul(hi, 0x9e3779b1) ^ SEED_A, 0)
  HASH[0] = a
  HASH[1] = fmix(hi ^ Math.imul(a, 0x85ebca6b) ^ SEED_B, 0)
}

export function hashBoolean(b: boolean): void {
  const v = b ? 1 : 0
  HASH[0] = fmix(step(step(SEED_A, TAG_BOOLEAN), v), 8)
  HASH[1] = fmix(step(step(SEED_B, TAG_BOOLEAN), v), 8)
}

export function hashString(s: string): void {
  let a = step(SEED_A, TAG_STRING)
  let b = step(SEED_B, TAG_STRING)
  const n = s.length
  let i = 0
  for (; i + 1 < n; i += 2) {
    const k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)
    a = step(a, k)
    b = step(b, k)
  }
  if (i < n) {
    // the tail: one code unit, mixed without the rotate-multiply step (as MurmurHash3's tail)
    const k = s.charCodeAt(i)
    a ^= mixK(k)
    b ^= mixK(k)
  }
  HASH[0] = fmix(a, 4 + n * 2)
  HASH[1] = fmix(b, 4 + n * 2)
}
