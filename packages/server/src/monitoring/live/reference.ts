/**
 * A monitor's reference, prepared once and cached by the service: its columns (a CSV or Parquet
 * artifact read with DuckDB, a time range of the deployment's own log, or the training data
 * recorded in a model version's lineage), sampled to a cap, the column of predictions when it
 * has one, and, from the log, probabilities and labels for performance estimation.
 */
import { KeelError, type ModelVersionLineage, type Monitor } from '@keel/contracts'
import type { CbpeModel, FeatureType, RawValue, Table } from '@keel/monitoring'
import { fitEstimator } from './estimation.js'
import type { PredictionLogStore } from '../../predictions/prediction-log-store.js'
import { Reservoir, readRange } from './log-windows.js'
import { cell, columnOf } from './cells.js'

/** Most reference rows kept per monitor (a uniform sample above it). */
export const REFERENCE_ROW_CAP = 200_000

export interface LoadedTable {
  readonly table: Table
  readonly featureTypes: Readonly<Record<string, FeatureType>>
}

export interface ReferenceDeps {
  readonly log: PredictionLogStore
  /** reads an artifact URI of this server (CSV or Parquet); INVALID_PARAMETER_VALUE naming it when it cannot */
  readonly loadTable: (label: string, uri: string) => Promise<LoadedTable>
  readonly lineage: (name: string, version: string) => Promise<ModelVersionLineage>
}

export interface PreparedReference {
  readonly rows: number
  /** input columns (the prediction column excluded) */
  readonly features: Table
  readonly featureTypes: Readonly<Record<string, FeatureType>>
  /** the reference's predictions, when it has them */
  readonly predictions?: Table[string]
  /** per row, from a log reference: probabilities and label when known (for CBPE) */
  readonly probabilities?: readonly (readonly number[] | undefined)[]
  readonly labels?: readonly (RawValue | undefined)[]
  /** CBPE fitted on a log reference with probabilities */
  readonly estimator?: CbpeModel
}

const PROXIED = 'mlflow-artifacts:'

/** The training dataset's artifact URI in a lineage: a dataset source naming a readable artifact. */
export function trainingDataUri(lineage: ModelVersionLineage): string | undefined {
  const candidates: { uri: string; training: boolean }[] = []
  for (const input of lineage.datasets) {
    const context = input.tags.find((t) => t.key === 'mlflow.data.context')?.value
    let uri: unknown = input.dataset.source
    try {
      const parsed = JSON.parse(input.dataset.source) as Record<string, unknown>
      uri = parsed.uri ?? parsed.url ?? parsed.path ?? input.dataset.source
    } catch {
      // a plain URI string
    }
    if (typeof uri !== 'string') continue
    if (!(uri.startsWith('runs:/') || uri.startsWith(PROXIED))) continue
    if (!/\.(csv|tsv|txt|parquet|pq)$/i.test(uri)) continue
    candidates.push({ uri, training: context === undefined || /train/i.test(context) })
  }
  return (candidates.find((c) => c.training) ?? candidates[0])?.uri
}

/** Splits a table into features and the prediction column. */
function split(m: Monitor, loaded: LoadedTable, name: string): PreparedReference {
  const predictionColumn = m.predictionColumn ?? (Object.hasOwn(loaded.table, 'prediction') ? 'prediction' : undefined)
  if (m.predictionColumn !== undefined && !Object.hasOwn(loaded.table, m.predictionColumn)) {
    throw KeelError.invalid(
      `Invalid value for parameter 'prediction_column': the reference ${name} has no column '${m.predictionColumn}'`,
    )
  }
  const features: Record<string, Table[string]> = {}
  let rows = 0
  for (const [column, values] of Object.entries(loaded.table)) {
    rows = values.length
    if (column !== predictionColumn) features[column] = asColumn(values)
  }
  for (const c of m.columns ?? []) {
    if (!Object.hasOwn(features, c))
      throw KeelError.invalid(`Invalid value for parameter 'columns': the reference ${name} has no column '${c}'`)
  }
  return {
    rows,
    features,
    featureTypes: loaded.featureTypes,
    ...(predictionColumn !== undefined && { predictions: asColumn(loaded.table[predictionColumn]!) }),
  }
}

const asColumn = (v: Table[string]) => (v instanceof Float64Array ? v : columnOf(v as readonly RawValue[]))

/** Keeps a uniform sample of REFERENCE_ROW_CAP rows of a large table. */
function capped(loaded: LoadedTable): LoadedTable {
  const names = Object.keys(loaded.table)
  const rows = names.length ? loaded.table[names[0]!]!.length : 0
  if (rows <= REFERENCE_ROW_CAP) return loaded
  const pick = new Reservoir<number>(REFERENCE_ROW_CAP, rows)
  for (let i = 0; i < rows; i++) pick.offer(i)
  const index = pick.items.sort((a, b) => a - b)
  const table: Record<string, Table[string]> = {}
  for (const n of names) {
    const v = loaded.table[n]!
    table[n] =
      v instanceof Float64Array
        ? Float64Array.from(index, (i) => v[i]!)
        : index.map((i) => (v as readonly RawValue[])[i]!)
  }
  return { table, featureTypes: loaded.featureTypes }
}

async function fromLog(
  deps: ReferenceDeps,
  m: Monitor,
  startTime: number,
  endTime: number,
): Promise<PreparedReference> {
  const sample = new Reservoir<{
    input: Readonly<Record<string, unknown>>
    output: RawValue
    p?: readonly number[]
    label?: RawValue
  }>(REFERENCE_ROW_CAP, startTime)
  const after = { timestampMs: startTime, seq: -1 }
  const end = { timestampMs: endTime - 1, seq: Number.MAX_SAFE_INTEGER }
  for await (const page of readRange(deps.log, m, after, end)) {
    for (const r of page) {
      r.inputs.forEach((input, i) => {
        const p = r.probabilities?.[i]
        const label = r.inputs.length === 1 && r.label !== undefined ? (r.label as RawValue) : undefined
        sample.offer({ input, output: r.outputs[i]!, ...(p && { p }), ...(label !== undefined && { label }) })
      })
    }
  }
  if (sample.items.length === 0) {
    throw KeelError.invalid(
      `Invalid value for parameter 'reference.log': deployment '${m.deployment}' logged no served request between ${startTime} and ${endTime}`,
    )
  }
  const names = new Set<string>()
  for (const row of sample.items) for (const k of Object.keys(row.input)) names.add(k)
  const table: Record<string, RawValue[]> = {}
  for (const n of names) table[n] = sample.items.map((row) => cell(row.input[n]))
  const predictionColumn = m.predictionColumn ?? 'prediction'
  table[predictionColumn] = sample.items.map((row) => row.output)
  const prepared = split({ ...m, predictionColumn }, { table, featureTypes: {} }, 'log range')
  const probabilities = sample.items.map((row) => row.p)
  const labels = sample.items.map((row) => row.label)
  const estimator = fitEstimator(
    sample.items.map((row) => row.output as number | string),
    probabilities,
    labels,
  )
  return { ...prepared, probabilities, labels, ...(estimator && { estimator }) }
}

/** A model version's lineage; a version that does not exist is a bad reference (400), not a missing resource. */
export async function lineageOf(deps: ReferenceDeps, name: string, version: string): Promise<ModelVersionLineage> {
  try {
    return await deps.lineage(name, version)
  } catch (error) {
    if (error instanceof KeelError && error.code === 'RESOURCE_DOES_NOT_EXIST') {
      throw KeelError.invalid(`Invalid value for parameter 'reference.model_version': ${error.message}`)
    }
    throw error
  }
}

/** Reads and prepares the monitor's reference. Errors are INVALID_PARAMETER_VALUE naming the field. */
export async function prepareReference(deps: ReferenceDeps, m: Monitor): Promise<PreparedReference> {
  const ref = m.reference
  if (ref.kind === 'log') return fromLog(deps, m, ref.startTime, ref.endTime)
  if (ref.kind === 'uri') return split(m, capped(await deps.loadTable('reference', ref.uri)), `'${ref.uri}'`)
  const uri = ref.uri ?? trainingDataUri(await lineageOf(deps, ref.name, ref.version))
  if (uri === undefined) {
    throw KeelError.invalid(
      `Invalid value for parameter 'reference.model_version': model '${ref.name}' version ${ref.version} records no training dataset whose source is a CSV or Parquet artifact of this server; name a reference ('reference.uri' or 'reference.log')`,
    )
  }
  return split(m, capped(await deps.loadTable('reference.model_version', uri)), `'${uri}'`)
}
