import type { Schema } from '@keel/sdk'
import { describe, expect, it } from 'vitest'
import { type ModelShape, parseInferRequest } from './open-inference.js'

const model = (inputSchema: Schema): ModelShape => ({ inputSchema, hasProba: false })
const parse = (schema: Schema, inputs: unknown[]) => parseInferRequest(JSON.stringify({ inputs }), model(schema))
const t = (name: string, shape: number[], datatype: string, data: unknown[]) => ({ name, shape, datatype, data })

const mixed: Schema = [
  { name: 'age', type: 'long', required: true },
  { name: 'city', type: 'string', required: true },
  { name: 'member', type: 'boolean', required: true },
  { name: 'score', type: 'double', required: true },
]
const image: Schema = [{ name: 'image', type: 'tensor', dtype: 'float32', shape: [-1, 2, 3] }]

describe('parseInferRequest against a column signature of several types', () => {
  const ok = [
    t('age', [2], 'INT64', [30, 41]),
    t('city', [2], 'BYTES', ['Oslo', 'Lima']),
    t('member', [2, 1], 'BOOL', [[true], [false]]),
    t('score', [2], 'INT32', [1, 2]),
  ]

  it('maps one tensor per column, integers feeding a double column', () => {
    expect(parse(mixed, ok)).toEqual({
      input: { age: [30, 41], city: ['Oslo', 'Lima'], member: [true, false], score: [1, 2] },
      rows: 2,
    })
  })

  it('refuses a datatype of another kind than its column, naming both', () => {
    const cases: [unknown[], RegExp][] = [
      [
        [t('age', [2], 'FP64', [30, 41]), ...ok.slice(1)],
        /Input 'age' is FP64, but the signature's column 'age' is long: send INT64/,
      ],
      [
        [ok[0], t('city', [2], 'INT64', [1, 2]), ...ok.slice(2)],
        /Input 'city' is INT64, but the signature's column 'city' is string: send BYTES/,
      ],
      [
        [...ok.slice(0, 2), t('member', [2], 'INT8', [1, 0]), ok[3]],
        /Input 'member' is INT8, but the signature's column 'member' is boolean: send BOOL/,
      ],
      [
        [...ok.slice(0, 3), t('score', [2], 'BYTES', ['1', '2'])],
        /Input 'score' is BYTES, but the signature's column 'score' is double: send FP64/,
      ],
    ]
    for (const [inputs, message] of cases) expect(() => parse(mixed, inputs)).toThrow(message)
  })

  it('refuses a single [rows, 4] tensor whose datatype cannot feed every column', () => {
    expect(() => parse(mixed, [t('x', [1, 4], 'FP64', [1, 2, 3, 4])])).toThrow(
      /Input 'x' is FP64, but the signature's column 'age' is long/,
    )
  })
})

describe('parseInferRequest against a tensor signature', () => {
  const six = [1, 2, 3, 4, 5, 6]

  it('takes [rows, 2, 3], flat or nested, under any name', () => {
    const flat = parse(image, [t('image', [2, 2, 3], 'FP32', [...six, ...six])])
    const nested = parse(image, [
      t('input-0', [2, 2, 3], 'FP64', [
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
      ]),
    ])
    expect(flat).toEqual({ input: { image: [six, six] }, rows: 2 })
    expect(nested).toEqual({ input: [six, six], rows: 2 })
  })

  it('refuses other ranks and inner dimensions, naming the signature', () => {
    expect(() => parse(image, [t('image', [2, 6], 'FP32', [...six, ...six])])).toThrow(
      /Input 'image' must have shape \[rows, 2, 3\] \(the signature's \[-1, 2, 3\]\), got \[2, 6\]/,
    )
    expect(() => parse(image, [t('image', [1, 3, 2], 'FP32', six)])).toThrow(/must have shape \[rows, 2, 3\]/)
    expect(() => parse(image, [t('x', [6], 'FP32', six)])).toThrow(/must have shape \[rows, 2, 3\]/)
    expect(() =>
      parse(image, [
        t(
          'image',
          [1, 2, 3],
          'BOOL',
          six.map((v) => v > 3),
        ),
      ]),
    ).toThrow(/Input 'image' is BOOL, but the signature's tensor 'image' is float32/)
  })
})

describe('tensor data against its own shape and datatype', () => {
  const one: Schema = [{ name: 'v', type: 'double', required: true }]

  it('names the position of a bad value, flat or nested', () => {
    expect(() => parse(one, [t('v', [3], 'INT8', [1, 200, 3])])).toThrow(
      /Input 'v' is INT8, so its data must be integers in \[-128, 127\]; data\[1\] is 200/,
    )
    expect(() =>
      parse(image, [
        t('image', [1, 2, 3], 'FP32', [
          [
            [1, 2, 3],
            [4, 'x', 6],
          ],
        ]),
      ]),
    ).toThrow(/data\[0\]\[1\]\[1\] is "x"/)
    expect(() =>
      parseInferRequest('{"inputs":[{"name":"v","shape":[2],"datatype":"FP64","data":[1,1e400]}]}', model(one)),
    ).toThrow(/Input 'v': data\[1\] is not a finite number/)
  })

  it('takes a single column as [rows] or [rows, 1], and no rows as a 400', () => {
    expect(parse(one, [t('v', [2], 'FP64', [1, 2])])).toEqual({ input: { v: [1, 2] }, rows: 2 })
    expect(parse(one, [t('other', [2], 'FP64', [1, 2])])).toEqual({ input: [[1], [2]], rows: 2 })
    expect(() => parse(one, [t('v', [0], 'FP64', [])])).toThrow(/no rows/)
    expect(() => parse(one, [t('v', [], 'FP64', [1])])).toThrow(
      /Input 'v' must have shape \[rows\] or \[rows, 1\], got \[\]/,
    )
  })

  it('refuses shapes that are not lists of a few non-negative integers', () => {
    for (const shape of [[-1], [1.5], ['2'], new Array(33).fill(1), [2 ** 60]]) {
      expect(() => parse(one, [{ name: 'v', shape, datatype: 'FP64', data: [1] }])).toThrow(
        /shape must be an array of non-negative integers|holds \d+ values/,
      )
    }
  })
})
