import { describe, expect, it } from 'vitest'
import { compileInputSchema, toMatrix } from '../../src/models/enforce.js'
import { pythonJsonDumps } from '../../src/models/python-json.js'
import {
  type Schema,
  inferSignature,
  parseSchema,
  schemaToJSON,
  signatureFromDict,
  signatureToDict,
} from '../../src/models/signature.js'
import { errorOf } from './support/keel-errors.js'

const IRIS: Schema = [
  { type: 'double', name: 'sepal length (cm)', required: true },
  { type: 'double', name: 'sepal width (cm)', required: true },
  { type: 'double', name: 'petal length (cm)', required: true },
  { type: 'double', name: 'petal width (cm)', required: true },
]
const row = (a = 5.1, b = 3.5, c = 1.4, d = 0.2) => ({
  'sepal length (cm)': a,
  'sepal width (cm)': b,
  'petal length (cm)': c,
  'petal width (cm)': d,
})

describe('schemas in MLflow JSON', () => {
  it('parses and writes column and tensor schemas in MLflow key order', () => {
    const json = '[{"type": "double", "name": "a", "required": true}, {"type": "long", "name": "b", "required": false}]'
    const schema = parseSchema(json)
    expect(schema).toEqual([
      { type: 'double', name: 'a', required: true },
      { type: 'long', name: 'b', required: false },
    ])
    expect(pythonJsonDumps(schemaToJSON(schema))).toBe(json)
    const tensor = '[{"name": "X", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]'
    expect(parseSchema(tensor)).toEqual([{ type: 'tensor', name: 'X', dtype: 'float32', shape: [-1, 4] }])
    expect(pythonJsonDumps(schemaToJSON(parseSchema(tensor)))).toBe(tensor)
  })

  it('keeps composite column types as read', () => {
    const json = '[{"type": "array", "items": {"type": "double"}, "name": "arr", "required": true}]'
    expect(pythonJsonDumps(schemaToJSON(parseSchema(json)))).toBe(json)
  })

  it('defaults required to true and accepts unnamed outputs', () => {
    expect(parseSchema('[{"type": "long"}]')).toEqual([{ type: 'long', required: true }])
  })

  it.each([
    ['not json', 'not valid JSON'],
    ['{"type": "double"}', 'JSON array'],
    ['[{"type": "decimal", "name": "x"}]', "unknown column type 'decimal'"],
    [
      '[{"type": "double", "name": "x"}, {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}, "name": "y"}]',
      'mixes columns and tensors',
    ],
    ['[{"type": "double", "name": "x"}, {"type": "double"}]', 'mixes named and unnamed'],
    ['[{"type": "double", "name": "x"}, {"type": "long", "name": "x"}]', "'x' twice"],
    ['[{"type": "tensor", "name": "x"}]', 'tensor-spec'],
  ])('refuses %s', (json, message) => {
    expect(errorOf(() => parseSchema(json)).message).toContain(message)
  })

  it('round-trips a signature through its MLmodel form', () => {
    const signature = {
      inputs: IRIS,
      outputs: [{ type: 'long', required: true }] as Schema,
      params: [{ name: 't', type: 'double', default: 0.5, shape: null }],
    }
    const dict = signatureToDict(signature)
    expect(dict.outputs).toBe('[{"type": "long", "required": true}]')
    expect(dict.params).toBe('[{"name": "t", "type": "double", "default": 0.5, "shape": null}]')
    expect(signatureFromDict(dict)).toEqual(signature)
    expect(signatureToDict({ inputs: IRIS }).outputs).toBeNull()
    expect(signatureFromDict({ inputs: null, outputs: null, params: null })).toBeUndefined()
  })

  it('writes JSON as Python does (separators, non-ASCII escaped)', () => {
    expect(pythonJsonDumps({ a: [1, 2.5, 'é'], b: null, c: true })).toBe(
      '{"a": [1, 2.5, "\\u00e9"], "b": null, "c": true}',
    )
    expect(JSON.parse(pythonJsonDumps({ name: 'température' }))).toEqual({ name: 'température' })
  })
})

describe('inferSignature', () => {
  it('infers column types from object rows, optional where absent or null', () => {
    const signature = inferSignature(
      [
        { x: 1, y: 1.5, name: 'a', flag: true, when: new Date(0) },
        { x: 2, y: 2, flag: false, when: new Date(1), name: null },
      ],
      [0, 1],
    )
    expect(signature).toEqual({
      inputs: [
        { type: 'long', name: 'x', required: true },
        { type: 'double', name: 'y', required: true },
        { type: 'string', name: 'name', required: false },
        { type: 'boolean', name: 'flag', required: true },
        { type: 'datetime', name: 'when', required: true },
      ],
      outputs: [{ type: 'long', required: true }],
    })
  })

  it('widens long to double, and gives string outputs for string labels', () => {
    expect(inferSignature([{ x: 1 }, { x: 0.5 }], ['setosa']).inputs).toEqual([
      { type: 'double', name: 'x', required: true },
    ])
    expect(inferSignature([{ x: 1 }], ['setosa']).outputs).toEqual([{ type: 'string', required: true }])
    expect(inferSignature([{ x: 1 }], [0.25]).outputs).toEqual([{ type: 'double', required: true }])
  })

  it('infers a float64 tensor from array rows, like MLflow for a numpy matrix', () => {
    expect(
      inferSignature([
        [1, 2, 3],
        [4, 5, 6],
      ]).inputs,
    ).toEqual([{ type: 'tensor', dtype: 'float64', shape: [-1, 3] }])
  })

  it('refuses mixed types, empty input and ragged arrays', () => {
    expect(errorOf(() => inferSignature([{ x: 1 }, { x: 'a' }])).message).toContain("column 'x'")
    expect(errorOf(() => inferSignature([])).message).toContain('empty')
    expect(errorOf(() => inferSignature([[1, 2], [3]])).message).toContain('row 1')
  })
})

describe('signature enforcement', () => {
  const iris = compileInputSchema(IRIS)

  it('converts object rows, array rows and columns to the same batch', () => {
    const fromObjects = iris.convert([row(), row(6, 3, 5, 2)])
    const fromArrays = iris.convert([
      [5.1, 3.5, 1.4, 0.2],
      [6, 3, 5, 2],
    ])
    const fromColumns = iris.convert({
      'sepal length (cm)': [5.1, 6],
      'sepal width (cm)': [3.5, 3],
      'petal length (cm)': [1.4, 5],
      'petal width (cm)': [0.2, 2],
    })
    const expected = [
      [5.1, 3.5, 1.4, 0.2],
      [6, 3, 5, 2],
    ]
    expect(toMatrix(fromObjects)).toEqual(expected)
    expect(toMatrix(fromArrays)).toEqual(expected)
    expect(toMatrix(fromColumns)).toEqual(expected)
    expect(iris.width).toBe(4)
  })

  it('names a missing required column and its row', () => {
    const { 'petal width (cm)': _, ...partial } = row()
    const error = errorOf(() => iris.convert([row(), partial]))
    expect(error.code).toBe('INVALID_PARAMETER_VALUE')
    expect(error.message).toBe("Row 1: column 'petal width (cm)' is required by the model signature but missing")
    expect(errorOf(() => iris.convert([{ ...row(), 'sepal width (cm)': null }])).message).toContain(
      "column 'sepal width (cm)' is required",
    )
    expect(errorOf(() => iris.convert([[5.1, 3.5, 1.4]])).message).toContain(
      "Row 0: column 'petal width (cm)' is required",
    )
    const { 'sepal length (cm)': __, ...columns } = {
      'sepal length (cm)': [1],
      'sepal width (cm)': [1],
      'petal length (cm)': [1],
      'petal width (cm)': [1],
    }
    expect(errorOf(() => iris.convert(columns)).message).toContain("column 'sepal length (cm)' is required")
  })

  it('names a column of the wrong type', () => {
    expect(
      errorOf(() => iris.convert([row(), row(5, 3, 1, 0), { ...row(), 'petal length (cm)': '1.4' }])).message,
    ).toBe(`Row 2: column 'petal length (cm)' must be a number (double), got string "1.4"`)
    expect(errorOf(() => iris.convert([{ ...row(), 'sepal length (cm)': true }])).message).toContain(
      "column 'sepal length (cm)' must be a number",
    )
    expect(errorOf(() => iris.convert([{ ...row(), 'sepal length (cm)': [1] }])).message).toContain('got an array of 1')
  })

  it('names an extra column', () => {
    const error = errorOf(() => iris.convert([row(), { ...row(), color: 'red' }]))
    expect(error.code).toBe('INVALID_PARAMETER_VALUE')
    expect(error.message).toContain("Row 1: column 'color' is not in the model signature")
    expect(errorOf(() => iris.convert([[1, 2, 3, 4, 5]])).message).toContain(
      'Row 0: has 5 values but the model signature has 4 columns',
    )
    expect(
      errorOf(() => iris.convert({ ...Object.fromEntries(IRIS.map((c) => [c.name, [1]])), color: ['red'] })).message,
    ).toContain("column 'color' is not in the model signature")
  })

  it('accepts integers for double columns, as MLflow does; long and integer take integers only', () => {
    expect(toMatrix(iris.convert([row(5, 3, 1, 0)]))).toEqual([[5, 3, 1, 0]])
    const ints = compileInputSchema([
      { type: 'long', name: 'n', required: true },
      { type: 'integer', name: 'i', required: true },
    ])
    expect(
      toMatrix(
        ints.convert([
          { n: 2 ** 40, i: -3 },
          { n: 7n, i: 0 },
        ]),
      ),
    ).toEqual([
      [2 ** 40, -3],
      [7, 0],
    ])
    expect(errorOf(() => ints.convert([{ n: 1.5, i: 1 }])).message).toContain("Row 0: column 'n' must be an integer")
    expect(errorOf(() => ints.convert([{ n: 1, i: 2 ** 31 }])).message).toContain(
      "column 'i' must be an integer in [-2147483648, 2147483647]",
    )
    expect(errorOf(() => ints.convert([{ n: '1', i: 1 }])).message).toContain("column 'n'")
  })

  it('checks booleans, strings, binary and datetimes', () => {
    const mixed = compileInputSchema([
      { type: 'boolean', name: 'b', required: true },
      { type: 'string', name: 's', required: true },
      { type: 'binary', name: 'bin', required: true },
      { type: 'datetime', name: 't', required: true },
    ])
    const batch = mixed.convert([{ b: true, s: 'x', bin: new Uint8Array([1]), t: '2024-01-01T00:00:00Z' }])
    expect(batch.columns.map((c) => Array.from(c.values as ArrayLike<unknown>))).toEqual([
      [1],
      ['x'],
      [new Uint8Array([1])],
      [Date.parse('2024-01-01T00:00:00Z')],
    ])
    expect(errorOf(() => mixed.convert([{ b: 1, s: 'x', bin: 'AA==', t: new Date() }])).message).toContain(
      "column 'b' must be a boolean",
    )
    expect(errorOf(() => mixed.convert([{ b: true, s: 1, bin: 'AA==', t: new Date() }])).message).toContain(
      "column 's' must be a string",
    )
    expect(errorOf(() => mixed.convert([{ b: true, s: 's', bin: 3, t: new Date() }])).message).toContain(
      "column 'bin' must be a string or Uint8Array",
    )
    expect(errorOf(() => mixed.convert([{ b: true, s: 's', bin: 'AA==', t: 'yesterday' }])).message).toContain(
      "column 't' must be a Date",
    )
  })

  it('lets optional columns be missing (NaN for numbers, null otherwise)', () => {
    const optional = compileInputSchema([
      { type: 'double', name: 'x', required: true },
      { type: 'double', name: 'y', required: false },
      { type: 'string', name: 's', required: false },
    ])
    const batch = optional.convert([{ x: 1 }, { x: 2, y: 3, s: 'a' }])
    expect(Array.from(batch.columns[1]!.values as Float64Array)).toEqual([Number.NaN, 3])
    expect(batch.columns[2]!.values).toEqual([null, 'a'])
  })

  it('feeds a single tensor from array rows, and checks its shape and dtype', () => {
    const tensor = compileInputSchema([{ type: 'tensor', name: 'X', dtype: 'float32', shape: [-1, 2, 2] }])
    expect(tensor.width).toBe(4)
    expect(
      toMatrix(
        tensor.convert([
          [1, 2, 3, 4],
          {
            X: [
              [5, 6],
              [7, 8],
            ],
          },
        ]),
      ),
    ).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ])
    expect(errorOf(() => tensor.convert([[1, 2, 3]])).message).toContain("Row 0: column 'X' must hold 4 values")
    expect(errorOf(() => tensor.convert([[1, 2, 3, 'x']])).message).toContain("column 'X' must be a number")
    const ints = compileInputSchema([{ type: 'tensor', dtype: 'uint8', shape: [-1] }])
    expect(toMatrix(ints.convert([[3]]))).toEqual([[3]])
    expect(errorOf(() => ints.convert([[-1]])).message).toContain("column '0' must be a non-negative integer")
  })

  it('refuses input that is neither rows nor columns, and rows that are not objects or arrays', () => {
    expect(errorOf(() => iris.convert(42 as never)).message).toContain('array of rows or an object of columns')
    expect(errorOf(() => iris.convert([row(), 'x' as never])).message).toContain('Row 1: must be an object')
    expect(errorOf(() => iris.convert({ 'sepal length (cm)': 5.1 } as never)).message).toContain(
      'must be an array of values',
    )
  })

  it('cannot enforce composite types or variable inner dimensions', () => {
    expect(errorOf(() => compileInputSchema([{ type: 'array', name: 'a', required: true }])).code).toBe(
      'NOT_IMPLEMENTED',
    )
    expect(
      errorOf(() => compileInputSchema([{ type: 'tensor', name: 'img', dtype: 'float32', shape: [-1, -1, 3] }]))
        .message,
    ).toContain('variable inner dimension')
  })

  it('checks 10,000 rows in a tight loop', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => row(i % 7, 3, 1.5, 0.2))
    iris.convert(rows) // warm up
    const start = performance.now()
    for (let i = 0; i < 10; i++) toMatrix(iris.convert(rows))
    const perBatch = (performance.now() - start) / 10
    expect(perBatch).toBeLessThan(250) // ~2 ms in plain Node; vitest transforms and CI load add a lot
  })
})
