/**
 * The prediction log's cheap bound of a field's JSON size: never below the bytes JSON.stringify
 * gives (Node's own serializer is the oracle), on values built to be long for their kind.
 */
import { createRng } from '@keel/ml'
import { describe, expect, it } from 'vitest'
import { jsonByteBound } from '../src/predictions/json-size.js'

const exact = (v: unknown) => Buffer.byteLength(JSON.stringify(v))

const LONG_NUMBERS = [
  -0.0000012345678901234567,
  -1.2345678901234566e-7,
  -1.2345678901234567e-308,
  -Number.MIN_VALUE,
  -Number.MAX_VALUE,
  -123456789012345680000,
  1e21,
  -0,
  0.1 + 0.2,
]
const HARD_CHARS = ['\u0000', '\u001f', '"', '\\', '\n', 'é', '€', '😀', '\ud800', '\udfff', '\u2028', 'x']

function value(rand: () => number, depth: number): unknown {
  const pick = rand()
  if (depth > 3 || pick < 0.3)
    return LONG_NUMBERS[Math.floor(rand() * LONG_NUMBERS.length)]! * (rand() < 0.5 ? 1 : rand())
  if (pick < 0.55)
    return Array.from(
      { length: Math.floor(rand() * 40) },
      () => HARD_CHARS[Math.floor(rand() * HARD_CHARS.length)],
    ).join('')
  if (pick < 0.6) return rand() < 0.5 ? null : rand() < 0.5
  if (pick < 0.8) return Array.from({ length: Math.floor(rand() * 6) }, () => value(rand, depth + 1))
  const out: Record<string, unknown> = {}
  for (let i = Math.floor(rand() * 6); i > 0; i--) out[String(value(rand, 9))] = value(rand, depth + 1)
  return out
}

describe('jsonByteBound', () => {
  it('is never below the bytes of JSON.stringify, on 20,000 values of long numbers and escaped or multi-byte text', () => {
    const rand = createRng(42)
    for (let i = 0; i < 20_000; i++) {
      const v = value(rand, 0)
      const bound = jsonByteBound(v)
      if (bound < exact(v)) expect.fail(`bound ${bound} < ${exact(v)} for ${JSON.stringify(v)}`)
    }
  })

  it('bounds the empty containers, each long number and each kind of UTF-16 unit (a control character exactly)', () => {
    for (const v of [[], {}, [[]], [{}], null, true, false, ...LONG_NUMBERS])
      expect(jsonByteBound(v)).toBeGreaterThanOrEqual(exact(v))
    for (const c of HARD_CHARS) expect(jsonByteBound(c.repeat(50))).toBeGreaterThanOrEqual(exact(c.repeat(50)))
    expect(jsonByteBound('\u0001'.repeat(10))).toBe(exact('\u0001'.repeat(10)))
  })

  it('is Infinity (measure it) for what is not plain JSON data', () => {
    for (const v of [undefined, [undefined], { a: () => 1 }, new Date(0), { d: new Date(0) }, 10n, Symbol('s')])
      expect(jsonByteBound(v)).toBe(Infinity)
  })
})
