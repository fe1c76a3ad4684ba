/**
 * The wire between keel and its Python model workers (`python/keel_pyfunc_worker.py` describes the
 * same format from the other side): length-prefixed frames of a small JSON header and a binary
 * columnar body. A batch of rows crosses as one table: numbers as float64 arrays, booleans as
 * bytes, strings as offsets plus UTF-8, a byte mask for missing values, and JSON only for a column
 * of values that are none of these (nested lists, objects, mixed types).
 */

/** The type of a column on the wire. I64 (integers) is carried as float64 and rebuilt as int64 on the other side. */
export const ColumnType = { F64: 1, I64: 2, BOOL: 3, STR: 4, JSON: 5 } as const
export type ColumnType = (typeof ColumnType)[keyof typeof ColumnType]

const MASKED = 1

export interface TableColumn {
  readonly name: string
  readonly values: readonly unknown[]
}

const utf8 = new TextEncoder()
const decoder = new TextDecoder()

/** The column type that carries `values`, and whether any is missing (null, undefined or NaN). */
export function columnTypeOf(values: readonly unknown[]): { type: ColumnType; masked: boolean } {
  let numbers = 0
  let integers = 0
  let bools = 0
  let strings = 0
  let missing = 0
  for (const v of values) {
    if (typeof v === 'number') {
      if (Number.isNaN(v)) missing++
      else {
        numbers++
        if (Number.isSafeInteger(v)) integers++
      }
    } else if (v === null || v === undefined) missing++
    else if (typeof v === 'boolean') bools++
    else if (typeof v === 'string') strings++
    else return { type: ColumnType.JSON, masked: false }
  }
  const present = values.length - missing
  const masked = missing > 0
  if (numbers === present) {
    // pandas reads JSON integers as int64, and a missing value turns the column to float64.
    return { type: integers === present && !masked && present > 0 ? ColumnType.I64 : ColumnType.F64, masked }
  }
  if (strings === present) return { type: ColumnType.STR, masked }
  if (bools === present && !masked) return { type: ColumnType.BOOL, masked }
  return { type: ColumnType.JSON, masked: false }
}

/** Writes growable bytes. */
class Writer {
  private buf = Buffer.allocUnsafe(1024)
  length = 0

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n))
    this.buf.copy(next, 0, 0, this.length)
    this.buf = next
  }
  u8(v: number): void {
    this.room(1)
    this.buf[this.length++] = v
  }
  u16(v: number): void {
    this.room(2)
    this.buf.writeUInt16LE(v, this.length)
    this.length += 2
  }
  u32(v: number): void {
    this.room(4)
    this.buf.writeUInt32LE(v, this.length)
    this.length += 4
  }
  f64(v: number): void {
    this.room(8)
    this.buf.writeDoubleLE(v, this.length)
    this.length += 8
  }
  bytes(b: Uint8Array): void {
    this.room(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
  }
  done(): Buffer {
    return this.buf.subarray(0, this.length)
  }
}

const isMissing = (v: unknown): boolean => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))

function writeColumn(w: Writer, rows: number, column: TableColumn, forced?: ColumnType): void {
  const name = utf8.encode(column.name)
  if (name.length > 0xffff) throw new RangeError(`column name longer than 65535 bytes: ${column.name.slice(0, 40)}…`)
  w.u16(name.length)
  w.bytes(name)
  const { values } = column
  const inferred = columnTypeOf(values)
  // A signature's type only widens integers to floats (lossless); any other value keeps its own
  // type, so that the model's schema enforcement sees it and names it.
  const type = forced === ColumnType.F64 && inferred.type === ColumnType.I64 ? forced : inferred.type
  const masked = type !== ColumnType.JSON && inferred.masked
  w.u8(type)
  w.u8(masked ? MASKED : 0)
  if (masked) for (let i = 0; i < rows; i++) w.u8(isMissing(values[i]) ? 1 : 0)
  switch (type) {
    case ColumnType.F64:
    case ColumnType.I64:
      for (let i = 0; i < rows; i++) {
        const v = values[i]
        w.f64(typeof v === 'number' ? v : Number.NaN)
      }
      return
    case ColumnType.BOOL:
      for (let i = 0; i < rows; i++) w.u8(values[i] === true ? 1 : 0)
      return
    case ColumnType.STR: {
      const encoded = values.map((v) => (typeof v === 'string' ? utf8.encode(v) : new Uint8Array(0)))
      let offset = 0
      w.u32(0)
      for (const e of encoded) {
        offset += e.length
        w.u32(offset)
      }
      for (const e of encoded) w.bytes(e)
      return
    }
    default: {
      const text = utf8.encode(JSON.stringify(values.map((v) => (v === undefined ? null : v))))
      w.u32(text.length)
      w.bytes(text)
    }
  }
}

/**
 * A table's body: `rows` rows of `columns` (each `rows` long). A column's type is inferred from its
 * values; `types` (a signature's) turns a column of whole numbers into float64 where it says so.
 */
export function encodeTable(
  rows: number,
  columns: readonly TableColumn[],
  types?: ReadonlyMap<string, ColumnType>,
): Buffer {
  if (columns.length > 0xffff) throw new RangeError('more than 65535 columns')
  const w = new Writer()
  w.u32(rows)
  w.u16(columns.length)
  for (const c of columns) writeColumn(w, rows, c, types?.get(c.name))
  return w.done()
}

/** Reads a table body: its rows and its columns as JavaScript values (missing values are null). */
export function decodeTable(body: Buffer): { rows: number; columns: TableColumn[] } {
  let at = 0
  const rows = body.readUInt32LE(at)
  const count = body.readUInt16LE(at + 4)
  at += 6
  const columns: TableColumn[] = []
  for (let c = 0; c < count; c++) {
    const size = body.readUInt16LE(at)
    at += 2
    const name = decoder.decode(body.subarray(at, at + size))
    at += size
    const type = body[at] as ColumnType
    const flags = body[at + 1]!
    at += 2
    let mask: Buffer | undefined
    if ((flags & MASKED) !== 0) {
      mask = body.subarray(at, at + rows)
      at += rows
    }
    let values: unknown[]
    switch (type) {
      case ColumnType.F64:
      case ColumnType.I64:
        values = new Array<unknown>(rows)
        for (let i = 0; i < rows; i++) {
          const v = body.readDoubleLE(at + 8 * i)
          values[i] = Number.isNaN(v) ? null : v
        }
        at += 8 * rows
        break
      case ColumnType.BOOL:
        values = new Array<unknown>(rows)
        for (let i = 0; i < rows; i++) values[i] = body[at + i] === 1
        at += rows
        break
      case ColumnType.STR: {
        const base = at + 4 * (rows + 1)
        values = new Array<unknown>(rows)
        for (let i = 0; i < rows; i++) {
          const from = body.readUInt32LE(at + 4 * i)
          const to = body.readUInt32LE(at + 4 * (i + 1))
          values[i] = decoder.decode(body.subarray(base + from, base + to))
        }
        at = base + body.readUInt32LE(at + 4 * rows)
        break
      }
      case ColumnType.JSON: {
        const size = body.readUInt32LE(at)
        values = JSON.parse(decoder.decode(body.subarray(at + 4, at + 4 + size))) as unknown[]
        at += 4 + size
        break
      }
      default:
        throw new Error(`unknown column type ${String(type)} in a worker's answer`)
    }
    if (mask !== undefined) for (let i = 0; i < rows; i++) if (mask[i] === 1) values[i] = null
    columns.push({ name, values })
  }
  return { rows, columns }
}

/** One frame: its size, then the header's size, the header (JSON) and the body. */
export function encodeFrame(header: unknown, body?: Uint8Array): Buffer {
  const h = Buffer.from(JSON.stringify(header), 'utf8')
  const size = 4 + h.length + (body?.length ?? 0)
  const out = Buffer.allocUnsafe(4 + size)
  out.writeUInt32LE(size, 0)
  out.writeUInt32LE(h.length, 4)
  h.copy(out, 8)
  if (body !== undefined) out.set(body, 8 + h.length)
  return out
}

/** Splits a byte stream into frames (header parsed, body a view), however the chunks fall. */
export class FrameReader {
  private chunks: Buffer[] = []
  private buffered = 0

  constructor(private readonly onFrame: (header: Record<string, unknown>, body: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    for (;;) {
      if (this.buffered < 4) return
      const head = this.peek(4)
      const size = head.readUInt32LE(0)
      if (this.buffered < 4 + size) return
      const frame = this.take(4 + size)
      const hsize = frame.readUInt32LE(4)
      const header = JSON.parse(frame.toString('utf8', 8, 8 + hsize)) as Record<string, unknown>
      this.onFrame(header, frame.subarray(8 + hsize))
    }
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!
    const all = Buffer.concat(this.chunks)
    this.chunks = [all]
    return all
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]!
    if (first.length >= n) {
      const out = first.subarray(0, n)
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
      this.buffered -= n
      return out
    }
    const all = Buffer.concat(this.chunks)
    this.chunks = all.length > n ? [all.subarray(n)] : []
    this.buffered -= n
    return all.subarray(0, n)
  }
}
