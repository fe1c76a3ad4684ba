/**
 * MLflow's `onnx` flavor (`data: model.onnx`), run on the CPU with onnxruntime-node, an optional
 * peer dependency imported on first use (`onnx-runtime.ts`).
 *
 * Inputs: a model with one input gets every row's features in signature order, as an `[N, k]`
 * tensor (or `[N]` for one feature); a model with several inputs gets each from the signature
 * field of the same name (skl2onnx's per-column inputs). Values are cast to each input's element
 * type (float32, float64, int64, …).
 *
 * Outputs: only tensor outputs are fetched (a skl2onnx classifier converted with ZipMap has a
 * `seq(map)` probability output, which onnxruntime-node cannot return). The predictions are the
 * output named like `label` (else the first tensor output); the probabilities, when present, the
 * tensor output named like `prob`. The classes behind the probability columns are not in the ONNX
 * graph's inputs or outputs, so `classes` is unknown for ONNX models.
 */
import { KeelError } from '@keel/contracts'
import type { Label } from '@keel/ml'
import type * as Ort from 'onnxruntime-common'
import { type FeatureBatch, type InputField, compileInputSchema } from '../enforce.js'
import type { FlavorConfig, MLmodel } from '../mlmodel.js'
import type { Schema, TensorSpec } from '../signature.js'
import { type Flavor, type FlavorModel, modelFile } from './flavor.js'
import { importOnnxRuntime } from './onnx-runtime.js'

export const ONNX_FLAVOR = 'onnx'

type TensorMetadata = Extract<Ort.InferenceSession.ValueMetadata, { isTensor: true }>

/** ONNX element types as numpy names (for a schema built from the graph's inputs). */
const NUMPY_DTYPE: Readonly<Record<string, string>> = { string: 'str' }

type NumericType =
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool'
type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array

const ARRAYS: Readonly<Record<NumericType, new (n: number) => NumericArray>> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
}
const isNumericType = (type: string): type is NumericType => Object.hasOwn(ARRAYS, type)

/** The schema of a model without a signature: its graph's inputs as tensors. */
function graphSchema(inputs: readonly TensorMetadata[]): Schema {
  return inputs.map(
    (m): TensorSpec => ({
      type: 'tensor',
      name: m.name,
      dtype: NUMPY_DTYPE[m.type] ?? m.type,
      shape: m.shape.length === 0 ? [-1] : m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : -1)),
    }),
  )
}

/** One ONNX input and the batch fields that fill it, row-major. */
interface InputPlan {
  readonly name: string
  readonly type: string
  /** Indexes into the batch's columns. */
  readonly columns: readonly number[]
  readonly width: number
  /** Dimensions after the batch one. */
  readonly inner: readonly number[]
}

function planInputs(inputs: readonly TensorMetadata[], fields: readonly InputField[]): InputPlan[] {
  const plan = (meta: TensorMetadata, columns: number[]): InputPlan => {
    const width = columns.reduce((sum, j) => sum + fields[j]!.width, 0)
    const label = columns.length === 1 ? `'${fields[columns[0]!]!.name}'` : `${columns.length} columns`
    const dims = meta.shape.slice(1)
    if (meta.shape.length === 1 && width !== 1) {
      throw KeelError.invalid(
        `ONNX input '${meta.name}' takes one value per row, but the signature gives it ${label} (${width} values)`,
      )
    }
    const fixed = dims.every((d) => typeof d === 'number' && d > 0)
    const size = dims.reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1)
    if (fixed && dims.length > 0 && size !== width) {
      throw KeelError.invalid(
        `ONNX input '${meta.name}' takes ${size} values per row (shape [${meta.shape.join(', ')}]), but the signature gives it ${label} (${width} values)`,
      )
    }
    const inner = meta.shape.length <= 1 ? [] : fixed ? (dims as number[]) : dims.length === 1 ? [width] : undefined
    if (inner === undefined)
      throw new KeelError(
        'NOT_IMPLEMENTED',
        `ONNX input '${meta.name}' has variable inner dimensions [${meta.shape.join(', ')}]`,
      )
    const text = columns.find((j) => fields[j]!.kind !== 'number')
    if (meta.type === 'string') {
      const numeric = columns.find((j) => fields[j]!.kind === 'number')
      if (numeric !== undefined)
        throw KeelError.invalid(
          `ONNX input '${meta.name}' takes strings, but the signature's '${fields[numeric]!.name}' is ${fields[numeric]!.dtype}`,
        )
    } else if (!isNumericType(meta.type)) {
      throw new KeelError(
        'NOT_IMPLEMENTED',
        `ONNX input '${meta.name}' has element type ${meta.type}, which keel cannot feed`,
      )
    } else if (text !== undefined) {
      throw KeelError.invalid(
        `ONNX input '${meta.name}' takes ${meta.type}, but the signature's '${fields[text]!.name}' is ${fields[text]!.dtype}`,
      )
    }
    return { name: meta.name, type: meta.type, columns, width, inner }
  }
  if (inputs.length === 1)
    return [
      plan(
        inputs[0]!,
        fields.map((_, j) => j),
      ),
    ]
  const byName = new Map(fields.map((f, j) => [f.name, j]))
  const used = new Set<number>()
  const plans = inputs.map((meta) => {
    const j = byName.get(meta.name)
    if (j === undefined) {
      throw KeelError.invalid(
        `ONNX input '${meta.name}' has no field of that name in the model signature (${fields.map((f) => `'${f.name}'`).join(', ')})`,
      )
    }
    used.add(j)
    return plan(meta, [j])
  })
  const unused = fields.find((_, j) => !used.has(j))
  if (unused !== undefined)
    throw KeelError.invalid(
      `The signature's '${unused.name}' is not an input of the ONNX graph (${inputs.map((m) => m.name).join(', ')})`,
    )
  return plans
}

/** Fills the input tensor's data from the batch's columns, casting to the input's type. */
function inputData(plan: InputPlan, batch: FeatureBatch): NumericArray | string[] {
  const n = batch.length
  const { width } = plan
  if (plan.type === 'string') {
    const out = new Array<string>(n * width)
    let offset = 0
    for (const j of plan.columns) {
      const column = batch.columns[j]!
      const values = column.values as unknown[]
      for (let i = 0; i < n; i++)
        for (let t = 0; t < column.width; t++) out[i * width + offset + t] = String(values[i * column.width + t] ?? '')
      offset += column.width
    }
    return out
  }
  const type = plan.type as NumericType
  const out = new ARRAYS[type](n * width)
  const integral = type !== 'float32' && type !== 'float64' && type !== 'bool'
  let offset = 0
  for (const j of plan.columns) {
    const column = batch.columns[j]!
    const values = column.values as Float64Array
    const w = column.width
    if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
      for (let i = 0; i < n; i++) {
        for (let t = 0; t < w; t++) {
          const v = values[i * w + t]!
          if (!Number.isInteger(v))
            throw KeelError.invalid(
              `Row ${i}: column '${column.name}' must be an integer for the ONNX input '${plan.name}' (${type}), got ${v}`,
            )
          out[i * width + offset + t] = BigInt(v)
        }
      }
    } else {
      for (let i = 0; i < n; i++) {
        for (let t = 0; t < w; t++) {
          const v = values[i * w + t]!
          if (integral && !Number.isInteger(v)) {
            throw KeelError.invalid(
              `Row ${i}: column '${column.name}' must be an integer for the ONNX input '${plan.name}' (${type}), got ${v}`,
            )
          }
          out[i * width + offset + t] = type === 'bool' ? (v !== 0 ? 1 : 0) : v
        }
      }
    }
    offset += w
  }
  return out
}

/** A tensor's values as a flat JS array of numbers or strings. */
function tensorValues(tensor: Ort.Tensor): Label[] {
  const data = tensor.data
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    const out = new Array<number>(data.length)
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i])
    return out
  }
  if (Array.isArray(data)) return data as string[]
  return Array.from(data as ArrayLike<number>)
}

const tensorOutputs = (session: Ort.InferenceSession): TensorMetadata[] =>
  session.outputMetadata.filter((m): m is TensorMetadata => m.isTensor)

/**
 * onnxruntime's threads: one per session by default. Its own default (a pool of one thread per
 * core that spins after each call) costs a model server about 1 ms of CPU per single-row request
 * in every worker, where keel parallelises across workers instead. `KEEL_ONNX_THREADS=N` sets the
 * intra-op pool (0: onnxruntime's default), for big batches in one process.
 */
function sessionThreads(): { intraOpNumThreads?: number; interOpNumThreads?: number } {
  const raw = process.env.KEEL_ONNX_THREADS
  const n = raw === undefined || raw === '' ? 1 : Number(raw)
  if (!Number.isInteger(n) || n < 0)
    throw KeelError.invalid(`KEEL_ONNX_THREADS must be a whole number >= 0, got '${raw}'`)
  return n === 0 ? {} : { intraOpNumThreads: n, interOpNumThreads: 1 }
}

export const onnxFlavor: Flavor = {
  name: 'onnx',
  async load(dir: string, mlmodel: MLmodel, config: FlavorConfig): Promise<FlavorModel> {
    const path = modelFile(dir, config, ONNX_FLAVOR)
    const ort = await importOnnxRuntime()
    let session: Ort.InferenceSession
    try {
      session = await ort.InferenceSession.create(path, { executionProviders: ['cpu'], ...sessionThreads() })
    } catch (error) {
      throw KeelError.invalid(`The ONNX model '${path}' cannot be loaded: ${(error as Error).message}`)
    }
    try {
      const inputs = session.inputMetadata.map((m) => {
        if (!m.isTensor)
          throw new KeelError('NOT_IMPLEMENTED', `ONNX input '${m.name}' is not a tensor: keel feeds tensors only`)
        return m
      })
      const input = compileInputSchema(mlmodel.signature?.inputs ?? graphSchema(inputs))
      const plans = planInputs(inputs, input.fields)
      const outputs = tensorOutputs(session)
      if (outputs.length === 0)
        throw new KeelError(
          'NOT_IMPLEMENTED',
          `The ONNX model '${path}' has no tensor output that onnxruntime-node can return`,
        )
      const labelOut = outputs.find((m) => /label/i.test(m.name)) ?? outputs[0]!
      const probaOut = outputs.find((m) => m !== labelOut && /prob/i.test(m.name) && m.shape.length === 2)
      const classification = probaOut !== undefined || labelOut.type === 'int64' || labelOut.type === 'string'

      const run = async (batch: FeatureBatch, output: string): Promise<Ort.Tensor> => {
        const feeds: Record<string, Ort.Tensor> = {}
        for (const plan of plans)
          feeds[plan.name] = new ort.Tensor(plan.type as 'float32', inputData(plan, batch) as Float32Array, [
            batch.length,
            ...plan.inner,
          ])
        const result = await session.run(feeds, [output])
        return result[output]!
      }
      const model: FlavorModel = {
        input,
        task: classification ? 'classification' : 'regression',
        async predict(batch) {
          if (batch.length === 0) return []
          const tensor = await run(batch, labelOut.name)
          const values = tensorValues(tensor)
          if (values.length !== batch.length) {
            throw new KeelError(
              'NOT_IMPLEMENTED',
              `ONNX output '${labelOut.name}' has shape [${tensor.dims.join(', ')}]: keel returns one prediction per row`,
            )
          }
          return values as Label[] | number[]
        },
        close: () => session.release(),
      }
      if (probaOut === undefined) return model
      return {
        ...model,
        async predictProba(batch) {
          if (batch.length === 0) return []
          const tensor = await run(batch, probaOut.name)
          const values = tensorValues(tensor) as number[]
          const k = tensor.dims[1] ?? 1
          return Array.from({ length: batch.length }, (_, i) => values.slice(i * k, (i + 1) * k))
        },
      }
    } catch (error) {
      await session.release()
      throw error
    }
  },
}
