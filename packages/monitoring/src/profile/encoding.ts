// Compact, portable encodings for the sketches' serialised form: base64 of little-endian bytes
// (no Buffer, so the SDK can run it anywhere), and the error the decoders throw.

/** A serialised profile or sketch that cannot be read (wrong version, bad shape, corrupt data). */
export class ProfileFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProfileFormatError'
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const LOOKUP = new Int16Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i

export function bytesToBase64(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += ALPHABET[v >>> 18]! + ALPHABET[(v >>> 12) & 63]! + ALPHABET[(v >>> 6) & 63]! + ALPHABET[v & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const v = bytes[i]! << 16
    out += `${ALPHABET[v >>> 18]! + ALPHABET[(v >>> 12) & 63]!}==`
  } else if (rest === 2) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out += `${ALPHABET[v >>> 18]! + ALPHABET[(v >>> 12) & 63]! + ALPHABET[(v >>> 6) & 63]!}=`
  }
  return out
}

export function base64ToBytes(s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string' || s.length % 4 !== 0) throw new ProfileFormatError(`${what}: expected a base64 string`)
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0
  const out = new Uint8Array((s.length / 4) * 3 - pad)
  let o = 0
  for (let i = 0; i < s.length; i += 4) {
    let v = 0
    for (let j = 0; j < 4; j++) {
      const ch = s.charCodeAt(i + j)
      const d = ch === 61 && i + j >= s.length - pad ? 0 : ch < 128 ? LOOKUP[ch]! : -1
      if (d < 0) throw new ProfileFormatError(`${what}: invalid base64`)
      v = (v << 6) | d
    }
    if (o < out.length) out[o++] = (v >>> 16) & 255
    if (o < out.length) out[o++] = (v >>> 8) & 255
    if (o < out.length) out[o++] = v & 255
  }
  return out
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

export function float64ToBase64(a: Float64Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
  if (LITTLE_ENDIAN) return bytesToBase64(bytes)
  const copy = new Uint8Array(bytes.length)
  for (let i = 0; i < bytes.length; i += 8) for (let j = 0; j < 8; j++) copy[i + j] = bytes[i + 7 - j]!
  return bytesToBase64(copy)
}

export function base64ToFloat64(s: unknown, what: string): Float64Array {
  const bytes = base64ToBytes(s, what)
  if (bytes.length % 8 !== 0) throw new ProfileFormatError(`${what}: length is not a multiple of 8 bytes`)
  const out = new Float64Array(bytes.length / 8)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true)
  return out
}

export function checkObject(x: unknown, what: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x))
    throw new ProfileFormatError(`${what}: expected an object`)
  return x as Record<string, unknown>
}

export function checkVersion(o: Record<string, unknown>, kind: string, version: number): void {
  if (o.kind !== kind) throw new ProfileFormatError(`expected a serialised ${kind}, got kind ${JSON.stringify(o.kind)}`)
  if (o.v !== version)
    throw new ProfileFormatError(
      `${kind}: unsupported format version ${JSON.stringify(o.v)} (this reader knows ${version})`,
    )
}

export function checkCount(x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0)
    throw new ProfileFormatError(`${what}: expected a non-negative integer`)
  return x
}

export function checkNumber(x: unknown, what: string, allowNull = false): number {
  if (allowNull && x === null) return Number.NaN
  if (typeof x !== 'number') throw new ProfileFormatError(`${what}: expected a number`)
  return x
}
