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

/**
 * Sorts a Float64Array ascending in place. Large arrays without NaN use an LSD radix sort on the
 * IEEE-754 bits (4 passes of 16 bits; several times faster than TypedArray#sort at 1M values).
 */
export function sortFloat64(a: Float64Array): void {
  const n = a.length
  if (n < 4096) {
    a.sort()
    return
  }
  for (let i = 0; i < n; i++) if (a[i] !== a[i]) {
    a.sort()
    return
  }
  const words = new Uint32Array(a.buffer, a.byteOffset, n * 2)
  let lo = new Uint32Array(n)
  let hi = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    const l = words[2 * i]!
    const h = words[2 * i + 1]!
    if (h & 0x80000000) {
      lo[i] = ~l >>> 0
      hi[i] = ~h >>> 0
    } else {
      lo[i] = l
      hi[i] = (h | 0x80000000) >>> 0
    }
  }
  let lo2 = new Uint32Array(n)
  let hi2 = new Uint32Array(n)
  const count = new Uint32Array(65536)
  for (let pass = 0; pass < 4; pass++) {
    const useHi = pass >= 2
    const shift = (pass & 1) * 16
    const key = useHi ? hi : lo
    count.fill(0)
    for (let i = 0; i < n; i++) count[(key[i]! >>> shift) & 0xffff]!++
    let sum = 0
    for (let d = 0; d < 65536; d++) {
      const c = count[d]!
      count[d] = sum
      sum += c
    }
    for (let i = 0; i < n; i++) {
      const d = (key[i]! >>> shift) & 0xffff
      const pos = count[d]!++
      lo2[pos] = lo[i]!
      hi2[pos] = hi[i]!
    }
    ;[lo, lo2] = [lo2, lo]
    ;[hi, hi2] = [hi2, hi]
  }
  for (let i = 0; i < n; i++) {
    const h = hi[i]!
    const l = lo[i]!
    if (h & 0x80000000) {
      words[2 * i] = l
      words[2 * i + 1] = (h & 0x7fffffff) >>> 0
    } else {
      words[2 * i] = ~l >>> 0
      words[2 * i + 1] = ~h >>> 0
    }
  }
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
