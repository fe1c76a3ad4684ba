/**
 * MLflow's `python_function` flavor: the model is loaded by MLflow's own pyfunc loader in a pool of
 * Python worker processes (`../python/worker-pool.ts`), in the environment `--env-manager` chooses
 * (`../python/environment.ts`). keel passes the rows through as MLflow's scoring server would hand
 * them to `PyFuncModel.predict` (a DataFrame, or a numpy array for rows sent as arrays), and MLflow
 * enforces the signature, so the model behaves as it does under `mlflow models serve`.
 *
 * Rows are shaped here (objects, arrays or columns into named columns) but not type-checked: a
 * value the signature refuses is refused by MLflow, with MLflow's message, as a 400.
 */
import { KeelError } from '@keel/contracts'
import type { Label } from '@keel/ml'
import type { FeatureBatch, FeatureColumn, InputConverter, ModelInput } from '../enforce.js'
import type { FlavorConfig, MLmodel } from '../mlmodel.js'
import { ColumnType } from '../python/frame.js'
import { pythonEnvFor } from '../python/environment.js'
import { type InputForm, PythonWorkerPool } from '../python/worker-pool.js'
import { type Schema, isTensorSchema } from '../signature.js'
import type { Flavor, FlavorLoadOptions, FlavorModel, PredictOptions, PredictionValue } from './flavor.js'

/** A batch shaped for the worker: its columns, and the form the model receives. */
interface PyfuncBatch extends FeatureBatch {
  readonly form: InputForm
}

const COLUMN_TYPES: Readonly<Record<string, ColumnType>> = {
  double: ColumnType.F64,
  float: ColumnType.F64,
  long: ColumnType.I64,
  integer: ColumnType.I64,
  boolean: ColumnType.BOOL,
  string: ColumnType.STR,
}

const objectColumn = (name: string, values: unknown[]): FeatureColumn => ({
  name,
  kind: 'object',
  dtype: 'any',
  width: 1,
  values,
})

/**
 * Shapes rows into columns without checking types. Rows as arrays become a numpy array (as
 * MLflow's `instances`/`inputs` without a column signature do) unless the signature names the
 * columns; rows as objects and named columns become a DataFrame.
 */
function shaper(schema: Schema): InputConverter {
  const names = isTensorSchema(schema) ? [] : schema.map((f, i) => f.name ?? String(i))
  const convert = (input: ModelInput): PyfuncBatch => {
    if (Array.isArray(input)) {
      const rows = input as readonly unknown[]
      if (rows.length === 0) throw KeelError.invalid('The input has no rows')
      if (rows.every((r) => Array.isArray(r))) {
        const arrays = rows as readonly (readonly unknown[])[]
        const width = arrays[0]!.length
        const ragged = arrays.findIndex((r) => r.length !== width)
        if (ragged >= 0)
          throw KeelError.invalid(`Row ${ragged} has ${arrays[ragged]!.length} values, row 0 has ${width}`)
        const columns = Array.from({ length: width }, (_, j) =>
          objectColumn(
            names.length === width ? names[j]! : String(j),
            arrays.map((r) => r[j]),
          ),
        )
        return {
          length: rows.length,
          columns,
          form: names.length === width && width > 0 ? { kind: 'dataframe' } : { kind: 'ndarray' },
        }
      }
      const bad = rows.findIndex((r) => typeof r !== 'object' || r === null || Array.isArray(r))
      if (bad >= 0) {
        // A list of scalars: one value per row, a 1-D array.
        if (rows.every((r) => typeof r !== 'object' || r === null))
          return {
            length: rows.length,
            columns: [objectColumn('0', [...rows])],
            form: { kind: 'ndarray', vector: true },
          }
        throw KeelError.invalid(`Row ${bad} must be an object or an array, like row 0`)
      }
      const records = rows as readonly Readonly<Record<string, unknown>>[]
      const keys: string[] = []
      const seen = new Set<string>()
      for (const r of records)
        for (const k of Object.keys(r))
          if (!seen.has(k)) {
            seen.add(k)
            keys.push(k)
          }
      return {
        length: records.length,
        columns: keys.map((k) =>
          objectColumn(
            k,
            records.map((r) => r[k] ?? null),
          ),
        ),
        form: { kind: 'dataframe' },
      }
    }
    const table = input as Readonly<Record<string, readonly unknown[]>>
    const keys = Object.keys(table)
    if (keys.length === 0) throw KeelError.invalid('The input has no columns')
    const length = table[keys[0]!]!.length
    const uneven = keys.find((k) => !Array.isArray(table[k]) || table[k].length !== length)
    if (uneven !== undefined)
      throw KeelError.invalid(`Column '${uneven}' does not have ${length} values like '${keys[0]}'`)
    return { length, columns: keys.map((k) => objectColumn(k, [...table[k]!])), form: { kind: 'dataframe' } }
  }
  return { schema, fields: [], width: 0, convert }
}

/** The signature's column types, so that e.g. a float column of whole numbers stays float64. */
function signatureTypes(schema: Schema): ReadonlyMap<string, ColumnType> | undefined {
  if (isTensorSchema(schema)) return undefined
  const types = new Map<string, ColumnType>()
  for (const [i, f] of schema.entries()) {
    const t = COLUMN_TYPES[f.type]
    if (t !== undefined) types.set(f.name ?? String(i), t)
  }
  return types.size === 0 ? undefined : types
}

/** The model's answer as one prediction per row, or a clear error. */
function perRow(value: unknown, rows: number): PredictionValue[] {
  if (Array.isArray(value) && value.length === rows) return value as PredictionValue[]
  const what = Array.isArray(value) ? `${value.length} values for ${rows} rows` : `a ${typeof value}`
  throw new KeelError('INVALID_STATE', `The model answered ${what}; keel serves models that answer one value per row`)
}

export const pythonFunctionFlavor: Flavor = {
  name: 'python_function',
  async load(
    dir: string,
    mlmodel: MLmodel,
    _config: FlavorConfig,
    options: FlavorLoadOptions = {},
  ): Promise<FlavorModel> {
    const o = options.python ?? {}
    const env = await pythonEnvFor(dir, o)
    const pool = await PythonWorkerPool.start(dir, { ...o, python: env.python })
    const schema: Schema = mlmodel.signature?.inputs ?? []
    const types = signatureTypes(schema)
    const run = async (
      batch: FeatureBatch,
      method?: 'predict_proba' | 'predict_and_proba',
      params?: Readonly<Record<string, unknown>>,
    ): Promise<unknown> => {
      const { form, columns, length } = batch as PyfuncBatch
      return pool.predict({
        rows: length,
        columns: columns.map((c) => ({ name: c.name, values: c.values as unknown[] })),
        form,
        ...(types !== undefined && form.kind === 'dataframe' && { types }),
        ...(method !== undefined && { method }),
        ...(params !== undefined && Object.keys(params).length > 0 && { params }),
      })
    }
    const classes = pool.info.classes ?? undefined
    return {
      input: shaper(schema),
      ...(classes !== undefined &&
        classes !== null && { task: 'classification' as const, classes: classes as Label[] }),
      python: { pids: () => pool.pids, stats: () => ({ ...pool.stats }), info: pool.info, env },
      predict: async (batch, options) => perRow(await run(batch, undefined, options?.params), batch.length) as Label[],
      ...(pool.info.proba && {
        predictProba: async (batch: FeatureBatch) =>
          perRow(await run(batch, 'predict_proba'), batch.length) as number[][],
        predictWithProba: async (batch: FeatureBatch, options?: PredictOptions) => {
          const both = (await run(batch, 'predict_and_proba', options?.params)) as {
            predictions: unknown
            probabilities: unknown
          }
          return {
            predictions: perRow(both.predictions, batch.length) as Label[],
            probabilities: perRow(both.probabilities, batch.length) as number[][],
          }
        },
      }),
      close: () => pool.close(),
    }
  },
}
