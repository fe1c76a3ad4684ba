import { InvalidArgumentError } from 'commander'

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }

/**
 * A size flag: bytes, or a number with a binary suffix (`512k`, `1.5M`, `5G`, `1T`; `KiB`, `MB`, …
 * are read the same, as powers of 1024).
 */
export function byteSize(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value)
  const bytes = m ? Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!) : Number.NaN
  if (!Number.isSafeInteger(bytes))
    throw new InvalidArgumentError('expected a size in bytes, or with a suffix: 512k, 100M, 5G')
  return bytes
}
