import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { KeelError } from '@keel/contracts'
import { beforeAll, describe, expect, it } from 'vitest'
import { type MLmodel, parseMLmodel, serializeMLmodel, utcTimeCreated } from '../../src/models/mlmodel.js'
import { type PythonModels, pythonModels } from './support/python-models.js'

let python: PythonModels
beforeAll(async () => {
  python = await pythonModels()
}, 180_000)

const model: MLmodel = {
  artifactPath: 'mlflow-artifacts:/1/models/m-0123/artifacts',
  flavors: {
    keel: { data: 'model.json', estimator_type: 'RandomForestClassifier', task: 'classification', classes: [0, 1, 2] },
  },
  modelUuid: 'm-0123',
  modelId: 'm-0123',
  runId: 'abc',
  utcTimeCreated: '2026-01-31 12:34:56.789000',
  signature: {
    inputs: [
      { type: 'double', name: 'sepal length (cm)', required: true },
      { type: 'double', name: 'yes', required: false },
    ],
    outputs: [{ type: 'long', required: true }],
  },
  savedInputExampleInfo: {
    artifact_path: 'input_example.json',
    type: 'dataframe',
    pandas_orient: 'split',
    serving_input_path: 'serving_input_example.json',
  },
  modelSizeBytes: 1234,
  metadata: { owner: 'ml' },
}

describe('MLmodel', () => {
  it('round-trips', () => {
    expect(parseMLmodel(serializeMLmodel(model))).toEqual(model)
  })

  it('writes YAML as MLflow does: sorted keys, signature as JSON strings, the timestamp quoted', () => {
    const text = serializeMLmodel(model)
    const keys = text
      .split('\n')
      .filter((l) => /^\w/.test(l))
      .map((l) => l.slice(0, l.indexOf(':')))
    expect(keys).toEqual([...keys].sort())
    expect(keys).toEqual([
      'artifact_path',
      'flavors',
      'metadata',
      'model_id',
      'model_size_bytes',
      'model_uuid',
      'run_id',
      'saved_input_example_info',
      'signature',
      'utc_time_created',
    ])
    expect(text).toContain("utc_time_created: '2026-01-31 12:34:56.789000'")
    expect(text).toContain(`outputs: '[{"type": "long", "required": true}]'`)
    expect(text).toContain('params: null')
    expect(text).toContain('    classes:\n    - 0\n') // PyYAML's block sequences: not indented under their key
  })

  it('formats utc_time_created like Python (microseconds)', () => {
    expect(utcTimeCreated(new Date('2026-01-31T12:34:56.789Z'))).toBe('2026-01-31 12:34:56.789000')
  })

  it('reads a real MLmodel of mlflow.sklearn.save_model, keeping unknown keys', () => {
    const parsed = parseMLmodel(readFileSync(join(python.path('sklearn'), 'MLmodel'), 'utf8'))
    expect(Object.keys(parsed.flavors).sort()).toEqual(['python_function', 'sklearn'])
    expect(parsed.mlflowVersion).toMatch(/^3\./)
    expect(parsed.modelUuid).toMatch(/^[0-9a-f]{32}$/)
    expect(parsed.modelId).toBeUndefined()
    expect(parsed.utcTimeCreated).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/)
    expect(parsed.savedInputExampleInfo).toEqual({
      artifact_path: 'input_example.json',
      pandas_orient: 'split',
      serving_input_path: 'serving_input_example.json',
      type: 'dataframe',
    })
    expect(parsed.signature?.inputs.map((c) => [c.name, c.type])).toEqual([
      ['sepal length (cm)', 'float'],
      ['sepal width (cm)', 'float'],
      ['petal length (cm)', 'float'],
      ['petal width (cm)', 'float'],
    ])
    expect(parsed.extra).toMatchObject({ is_signature_from_type_hint: false })
    expect(parsed.modelSizeBytes).toBeGreaterThan(0)
    // what keel writes back has the same content
    expect(parseMLmodel(serializeMLmodel(parsed))).toEqual(parsed)
  })

  it('reads a real MLmodel of mlflow.onnx.save_model: the onnx flavor and a tensor output', () => {
    const parsed = parseMLmodel(readFileSync(join(python.path('onnx'), 'MLmodel'), 'utf8'))
    expect(parsed.flavors.onnx).toMatchObject({ data: 'model.onnx' })
    expect(parsed.signature?.outputs).toEqual([{ type: 'tensor', dtype: 'int64', shape: [-1] }])
  })

  it.each([
    ['flavors: [1, 2', 'not valid YAML'],
    ['- a\n- b\n', 'must be a YAML mapping'],
    ['model_uuid: x\n', "no 'flavors'"],
    ['flavors:\n  keel: 3\n', "flavor 'keel' must be a mapping"],
    [
      'flavors:\n  keel: {}\nsignature:\n  inputs: \'[{"type": "nope"}]\'\n',
      "invalid signature: signature inputs[0]: unknown column type 'nope'",
    ],
    ['flavors:\n  keel: {}\nsaved_input_example_info: 3\n', 'saved_input_example_info'],
    ['flavors:\n  keel: {}\nmodel_size_bytes: big\n', 'model_size_bytes'],
  ])('refuses %j with a clear error', (text, message) => {
    let error: unknown
    try {
      parseMLmodel(text, 'MLmodel')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(KeelError)
    expect((error as KeelError).code).toBe('INVALID_PARAMETER_VALUE')
    expect((error as KeelError).message).toContain(message)
  })
})
