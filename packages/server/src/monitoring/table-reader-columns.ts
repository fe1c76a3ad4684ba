/**
 * The JavaScript half of the table reader: columns assembled from whole DuckDB vectors.
 *
 * The reader's SQL hands every column over as DOUBLE with no nulls (see table-reader.ts):
 *  - a numeric column as its values, NaN for null;
 *  - a categorical column (text, booleans, dates...) as a 53-bit hash of its text per row, -1 for
 *    null, while its dictionary (each distinct value with the same hash) is read once.
 * So each chunk's vector is one Float64 buffer copied with `TypedArray.set`, and a categorical
 * column's hashes become `Int32Array` codes into its dictionary through an open-addressing table
 * (`CodeTable`): no JS string is decoded per row. Two dictionary values with the same hash would
 * make the codes ambiguous: `CodeTable.build` refuses them and the reader reads that column as
 * text instead.
 */
import { DuckDBDoubleVector, type DuckDBVector } from '@duckdb/node-api'
import type { DictionaryColumn, RawValue } from '@keel/monitoring'

/** The vector's Float64 buffer when DuckDB gave one (a DOUBLE vector), else undefined. */
export function float64Items(vector: DuckDBVector): Float64Array | undefined {
  if (!(vector instanceof DuckDBDoubleVector)) return undefined
  // @duckdb/node-api keeps the buffer in a private field; checked, with a per-value fallback.
  const items = (vector as unknown as { items?: unknown }).items
  return items instanceof Float64Array && items.length === vector.itemCount ? items : undefined
}

/** Appends a DOUBLE vector's values (NaN for null) to `target` at `offset`. */
export function copyDoubles(vector: DuckDBVector, target: Float64Array, offset: number): void {
  const items = float64Items(vector)
  if (items) {
    target.set(items, offset)
    return
  }
  for (let i = 0; i < vector.itemCount; i++) {
    const v = vector.getItem(i)
    target[offset + i] = typeof v === 'number' ? v : Number.NaN
  }
}

/** A typed array that grows by doubling (`make` allocates one); `view()` is the filled part. */
export class Growing<A extends Float64Array | Int32Array> {
  private data: A
  length = 0
  constructor(
    private readonly make: (length: number) => A,
    capacity: number,
  ) {
    this.data = make(Math.max(16, capacity))
  }
  /** room for `n` more values; returns the array to write into at `this.length` */
  reserve(n: number): A {
    if (this.length + n > this.data.length) {
      let capacity = this.data.length * 2
      while (this.length + n > capacity) capacity *= 2
      const next = this.make(capacity)
      next.set(this.data.subarray(0, this.length))
      this.data = next
    }
    return this.data
  }
  /** the values (the buffer itself when full, else a trimmed copy) */
  view(): A {
    return this.length === this.data.length ? this.data : (this.data.slice(0, this.length) as A)
  }
}

/** in shared memory: the drift worker pool reads (and the CLI sorts) these columns without a copy */
export const growingFloat64 = (capacity: number): Growing<Float64Array> =>
  new Growing((n) => new Float64Array(new SharedArrayBuffer(n * 8)), capacity)
export const growingInt32 = (capacity: number): Growing<Int32Array> => new Growing((n) => new Int32Array(n), capacity)

/** Hash -> code: an open-addressing table over typed arrays. */
export class CodeTable {
  private constructor(
    private readonly keys: Float64Array,
    private readonly codes: Int32Array,
    private readonly mask: number,
  ) {}

  /** The table of `hashes[i] -> i`; undefined when two values share a hash. */
  static build(hashes: ArrayLike<number>): CodeTable | undefined {
    let size = 16
    while (size < hashes.length * 2) size *= 2
    const keys = new Float64Array(size).fill(-1)
    const codes = new Int32Array(size)
    const mask = size - 1
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i]!
      if (!(h >= 0)) return undefined
      let slot = (h >>> 0) & mask
      while (keys[slot] !== -1) {
        if (keys[slot] === h) return undefined
        slot = (slot + 1) & mask
      }
      keys[slot] = h
      codes[slot] = i
    }
    return new CodeTable(keys, codes, mask)
  }

  /** Writes the code of each hash (-1 for -1, null) into `out` at `offset`. */
  encode(hashes: Float64Array, out: Int32Array, offset: number): void {
    const { keys, codes, mask } = this
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i]!
      if (h < 0) {
        out[offset + i] = -1
        continue
      }
      let slot = (h >>> 0) & mask
      for (;;) {
        const k = keys[slot]!
        if (k === h) {
          out[offset + i] = codes[slot]!
          break
        }
        if (k === -1) throw new Error('a value missing from its column dictionary')
        slot = (slot + 1) & mask
      }
    }
  }
}

const SPECIAL: Record<string, number> = {
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '-infinity': -Infinity,
  nan: Number.NaN,
}

/** A text cell as a number (numbers, inf, nan as pandas reads them), else undefined. */
function numberOf(v: RawValue): number | undefined {
  const text = String(v).trim()
  const n = text === '' ? Number.NaN : Number(text)
  if (!Number.isNaN(n)) return n
  return SPECIAL[text.toLowerCase()]
}

/**
 * A CSV text column whose every value is a number, inf or nan (DuckDB's sniffer reads those as
 * text; pandas reads them as float64): the numbers (NaN for null), else undefined. A column with
 * no value at all stays text. Decided on the dictionary, so each distinct value is parsed once.
 */
export function numericText(column: DictionaryColumn): Float64Array | undefined {
  const { codes, dictionary } = column
  if (dictionary.length === 0) return undefined
  const numbers = new Float64Array(dictionary.length)
  for (let d = 0; d < dictionary.length; d++) {
    const n = numberOf(dictionary[d])
    if (n === undefined) return undefined
    numbers[d] = n
  }
  const out = new Float64Array(new SharedArrayBuffer(codes.length * 8))
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!
    out[i] = c < 0 ? Number.NaN : numbers[c]!
  }
  return out
}
