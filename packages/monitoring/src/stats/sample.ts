// Numeric samples: the tests sort once and share sorted copies. An array the caller has already
// sorted ascending (and freed of NaN) can be marked so no test copies or sorts it again.

const sortedArrays = new WeakSet<object>()

/** Marks `values` (ascending, no NaN) as sorted; returns it. */
export function markSorted(values: Float64Array): Float64Array {
  sortedArrays.add(values)
  return values
}

/** An ascending Float64Array of `values`: the array itself when marked sorted, else a sorted copy. */
export function sortedSample(values: ArrayLike<number>): Float64Array {
  if (values instanceof Float64Array && sortedArrays.has(values)) return values
  const out = Float64Array.from(values)
  sortFloat64(out)
  return markSorted(out)
}

/** Below this length the native sort wins (no 16 MB scratch, no fixed histogram cost). */
const RADIX_MIN = 1 << 14

/**
 * Sorts a Float64Array (no NaN) ascending in place, in the same order as the native
 * `Float64Array.prototype.sort` (−0 before +0). Large arrays use an LSD radix sort on the IEEE-754
 * bits (6 passes of 11 bits; passes whose digit is the same for every value are skipped): 1M
 * normal values sort in ~80 ms here against ~130 ms for the native sort, integer-valued ones in
 * ~35 ms against ~105 ms (node 20, 2 shared cores).
 */
export function sortFloat64(a: Float64Array): void {
  if (a.length < RADIX_MIN || !LITTLE_ENDIAN) a.sort()
  else radixSortFloat64(a)
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * The finite values of `col` (NaN and ±Infinity dropped), sorted ascending, in a new array; and
 * whether they are all integers. `col` is only read. For large columns the copy is the radix
 * sort's first pass (keys and digit counts in one read of `col`) and the last pass writes the
 * result: two passes fewer than copying, then sorting.
 */
export function sortedFinite(col: Float64Array): { values: Float64Array; allIntegers: boolean } {
  const n0 = col.length
  let allIntegers = true
  if (n0 < RADIX_MIN || !LITTLE_ENDIAN) {
    let n = 0
    for (let i = 0; i < n0; i++) if (Number.isFinite(col[i]!)) n++
    const out = new Float64Array(n)
    let k = 0
    for (let i = 0; i < n0; i++) {
      const v = col[i]!
      if (Number.isFinite(v)) {
        out[k++] = v
        if (allIntegers && !Number.isInteger(v)) allIntegers = false
      }
    }
    out.sort()
    return { values: out, allIntegers }
  }
  const words = new Uint32Array(col.buffer, col.byteOffset, n0 * 2)
  const keys = new Uint32Array(n0 * 2)
  const hist = new Uint32Array(6 * 2048)
  let n = 0
  for (let i = 0; i < n0; i++) {
    const v = col[i]!
    if (v - v !== 0) continue // NaN, ±Infinity
    if (allIntegers && !Number.isInteger(v)) allIntegers = false
    putKey(words[2 * i]!, words[2 * i + 1]!, keys, 2 * n, hist)
    n++
  }
  const sorted = radixPasses(keys, new Uint32Array(n * 2), n, hist)
  const values = new Float64Array(n)
  const out = new Uint32Array(values.buffer)
  untransform(sorted, out, n)
  return { values, allIntegers }
}

/**
 * The order-preserving key of the double whose IEEE-754 words are (lo, hi), written at keys[at] and
 * keys[at + 1] (every bit of a negative flipped, only the sign bit of a positive), with its six
 * 11-bit digits counted in hist for the radix passes.
 */
function putKey(lo: number, hi: number, keys: Uint32Array, at: number, hist: Uint32Array): void {
  const negative = (hi & 0x80000000) !== 0
  const klo = negative ? ~lo >>> 0 : lo
  const khi = negative ? ~hi >>> 0 : (hi | 0x80000000) >>> 0
  keys[at] = klo
  keys[at + 1] = khi
  hist[klo & 2047]!++
  hist[2048 + ((klo >>> 11) & 2047)]!++
  hist[4096 + (klo >>> 22)]!++
  hist[6144 + (khi & 2047)]!++
  hist[8192 + ((khi >>> 11) & 2047)]!++
  hist[10240 + (khi >>> 22)]!++
}

/** The 6 scatter passes over keys[0 .. 2n); returns the array holding the result (keys or scratch). */
function radixPasses(keys: Uint32Array, scratch: Uint32Array, n: number, hist: Uint32Array): Uint32Array {
  const n2 = 2 * n
  let src = keys
  let dst = scratch
  const offsets = new Uint32Array(2048)
  for (let pass = 0; pass < 6; pass++) {
    const base = pass * 2048
    let constant = false
    let sum = 0
    for (let b = 0; b < 2048; b++) {
      const c = hist[base + b]!
      if (c === n) {
        constant = true
        break
      }
      offsets[b] = sum
      sum += c
    }
    if (constant) continue
    const word = pass < 3 ? 0 : 1
    const shift = (pass % 3) * 11
    for (let i = 0; i < n2; i += 2) {
      const o = offsets[(src[i + word]! >>> shift) & 2047]!++ * 2
      dst[o] = src[i]!
      dst[o + 1] = src[i + 1]!
    }
    const t = src
    src = dst
    dst = t
  }
  return src
}

/** Keys back to IEEE-754 words, from `src` into `out` (may be the same array). */
function untransform(src: Uint32Array, out: Uint32Array, n: number): void {
  const n2 = 2 * n
  for (let i = 0; i < n2; i += 2) {
    const hi = src[i + 1]!
    if (hi & 0x80000000) {
      out[i] = src[i]!
      out[i + 1] = (hi & 0x7fffffff) >>> 0
    } else {
      out[i] = ~src[i]! >>> 0
      out[i + 1] = ~hi >>> 0
    }
  }
}

function radixSortFloat64(a: Float64Array): void {
  const n = a.length
  const n2 = 2 * n
  // little-endian words: u[2i] = low 32 bits, u[2i + 1] = high 32 bits (sign, exponent, top mantissa)
  const u = new Uint32Array(a.buffer, a.byteOffset, n2)
  const hist = new Uint32Array(6 * 2048)
  for (let i = 0; i < n2; i += 2) putKey(u[i]!, u[i + 1]!, u, i, hist)
  const sorted = radixPasses(u, new Uint32Array(n2), n, hist)
  untransform(sorted, u, n)
}

/** Number of distinct values of a sorted array. */
export function distinctSorted(a: Float64Array): number {
  let d = 0
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) d++
  return d
}

/** Index of the first element > v (side='right') in sorted a, searching from `lo`. */
export function upperBound(a: Float64Array, v: number, lo = 0): number {
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid]! <= v) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Index of the first element >= v (side='left') in sorted a. */
export function lowerBound(a: Float64Array, v: number, lo = 0): number {
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid]! < v) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Population mean and standard deviation (numpy: ddof=0), two-pass. */
export function meanStd(a: ArrayLike<number>): { mean: number; std: number } {
  const n = a.length
  let s = 0
  for (let i = 0; i < n; i++) s += a[i]!
  const mean = s / n
  let ss = 0
  for (let i = 0; i < n; i++) {
    const d = a[i]! - mean
    ss += d * d
  }
  return { mean, std: Math.sqrt(ss / n) }
}
