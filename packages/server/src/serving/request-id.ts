/**
 * Request ids the model server makes up when a caller sends none: UUID version 7 (RFC 9562), a
 * 48-bit millisecond timestamp then random bits. Ids that sort by time keep the prediction log's
 * request-id index append-only, which makes each logged record cheaper to store than with
 * random (v4) ids, and they still never collide in practice (74 random bits per millisecond).
 */
import { randomFillSync } from 'node:crypto'

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const POOL = Buffer.alloc(16 * 512)
let offset = POOL.length

export function uuidv7(now = Date.now()): string {
  if (offset + 10 > POOL.length) {
    randomFillSync(POOL)
    offset = 0
  }
  const r = offset
  offset += 10
  const p = POOL
  const ms = Math.floor(now)
  const hi = Math.floor(ms / 0x10000) // the top 32 bits of the 48-bit timestamp
  const lo = ms % 0x10000
  return (
    HEX[(hi >>> 24) & 0xff]! +
    HEX[(hi >>> 16) & 0xff]! +
    HEX[(hi >>> 8) & 0xff]! +
    HEX[hi & 0xff]! +
    '-' +
    HEX[(lo >>> 8) & 0xff]! +
    HEX[lo & 0xff]! +
    '-' +
    HEX[0x70 | (p[r]! & 0x0f)]! +
    HEX[p[r + 1]!]! +
    '-' +
    HEX[0x80 | (p[r + 2]! & 0x3f)]! +
    HEX[p[r + 3]!]! +
    '-' +
    HEX[p[r + 4]!]! +
    HEX[p[r + 5]!]! +
    HEX[p[r + 6]!]! +
    HEX[p[r + 7]!]! +
    HEX[p[r + 8]!]! +
    HEX[p[r + 9]!]!
  )
}
