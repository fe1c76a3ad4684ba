import { describe, expect, it } from 'vitest'
import { KeelError } from './errors.js'
import { decodeUtf8, jsonValueProblem, MAX_JSON_DEPTH, parseJsonInput } from './json-input.js'
import { int64 } from './wire/primitives.js'

const arrays = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`

describe('parseJsonInput', () => {
  it(`accepts ${MAX_JSON_DEPTH} levels and refuses one more, naming where`, () => {
    // The body object is level 1.
    expect(parseJsonInput(`{"a":${arrays(MAX_JSON_DEPTH - 1)}}`)).toBeTypeOf('object')
    expect(() => parseJsonInput(`{"a":${arrays(MAX_JSON_DEPTH)}}`)).toThrow(
      /^Invalid value for parameter 'a\[0\]\[0\]\[0\][[\]0]*…': JSON nested more than 64 levels deep is not accepted$/,
    )
    // The path leads to the first container too deep.
    expect(jsonValueProblem({ a: [[1]], b: 1 }, 2)).toBe(
      "Invalid value for parameter 'a[0]': JSON nested more than 2 levels deep is not accepted",
    )
    expect(jsonValueProblem({ a: [1], b: { c: 'd' } }, 2)).toBeUndefined()
  })

  it('refuses 50,000 levels with a 400-class error, not a stack overflow', () => {
    const text = `{"tags":[{"key":"k","value":${'['.repeat(50_000)}${']'.repeat(50_000)}}]}`
    const error = (() => {
      try {
        parseJsonInput(text)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(KeelError)
    expect((error as KeelError).code).toBe('INVALID_PARAMETER_VALUE')
    expect((error as KeelError).message).toMatch(/^Invalid value for parameter 'tags\[0\]\.value\[0\]\[0\]/)
  })

  it('refuses lone surrogates in values and keys, and keeps pairs', () => {
    expect(parseJsonInput('{"name":"\\ud83d\\ude00"}')).toEqual({ name: '😀' })
    expect(() => parseJsonInput('{"name":"a\\ud800"}')).toThrow(
      /the value of parameter 'name': it is not well-formed Unicode/,
    )
    expect(() => parseJsonInput('{"tags":[{"key":"k","value":"\\udc00x"}]}')).toThrow(/parameter 'tags\[0\]\.value'/)
    expect(() => parseJsonInput('{"params":{"\\ud800":1}}')).toThrow(/a key of 'params'/)
    expect(jsonValueProblem('\ud800')).toMatch(/'\(body\)'/)
  })

  it('reports malformed JSON', () => {
    expect(() => parseJsonInput('{"a":')).toThrow(/^Malformed JSON in request body/)
  })
})

describe('decodeUtf8', () => {
  it('decodes UTF-8 and refuses invalid sequences instead of writing U+FFFD', () => {
    expect(decodeUtf8(new TextEncoder().encode('é😀'))).toBe('é😀')
    expect(() => decodeUtf8(Uint8Array.from([0x61, 0xff, 0xfe]))).toThrow('The request body is not valid UTF-8')
    // A surrogate encoded as UTF-8 (CESU-8) is invalid too.
    expect(() => decodeUtf8(Uint8Array.from([0xed, 0xa0, 0x80]))).toThrow(/not valid UTF-8/)
  })
})

describe('int64', () => {
  it('keeps integers up to 2^53 - 1 and refuses larger ones, quoted or not', () => {
    expect(int64.parse('9007199254740991')).toBe(9007199254740991)
    expect(int64.parse(-9007199254740991)).toBe(-9007199254740991)
    expect(int64.safeParse('7189775249786127392').error?.issues[0]?.message).toMatch(/cannot be kept exact/)
    expect(int64.safeParse('9007199254740992').success).toBe(false)
    // biome-ignore lint/correctness/noPrecisionLoss: a number JSON cannot carry exactly is the input under test
    expect(int64.safeParse(7189775249786127392).success).toBe(false)
  })
})
