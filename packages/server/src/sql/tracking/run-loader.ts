/** Reads whole runs (info, latest metrics, params, tags, inputs, outputs) in a few set queries. */
import type { DatasetInput, Metric, ModelInput, ModelOutput, Run, RunInfo, RunStatus, Tag } from '@keel/contracts'
import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely'
import type { Database, LatestMetricsTable, RunsTable } from '../database.js'
import { type DialectName, type DialectOps, dialectOps } from '../dialect.js'

export function runInfoFromRow(r: Selectable<RunsTable>): RunInfo {
  const info: RunInfo = {
    runId: r.run_uuid,
    runName: r.name,
    experimentId: String(r.experiment_id),
    userId: r.user_id,
    status: r.status as RunStatus,
    startTime: Number(r.start_time),
    artifactUri: r.artifact_uri,
    lifecycleStage: r.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  }
  return r.end_time === null ? info : { ...info, endTime: Number(r.end_time) }
}

type MetricRowFields = Pick<
  Selectable<LatestMetricsTable>,
  'key' | 'value' | 'is_nan' | 'timestamp' | 'step' | 'model_id' | 'dataset_name' | 'dataset_digest'
>

export function metricFromRow(m: MetricRowFields): Metric {
  const metric: { -readonly [K in keyof Metric]: Metric[K] } = {
    key: m.key,
    value: m.is_nan ? Number.NaN : m.value,
    timestamp: Number(m.timestamp),
    step: Number(m.step),
  }
  if (m.model_id !== null) metric.modelId = m.model_id
  if (m.dataset_name !== null) metric.datasetName = m.dataset_name
  if (m.dataset_digest !== null) metric.datasetDigest = m.dataset_digest
  return metric
}

export function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const row of rows) {
    const k = key(row)
    const list = out.get(k)
    if (list) list.push(row)
    else out.set(k, [row])
  }
  return out
}

export const kv = (rows: readonly { key: string; value: string }[] | undefined): Tag[] =>
  (rows ?? []).map((r) => ({ key: r.key, value: r.value }))

/** Loads the runs with these ids, in the order given (ids that do not exist are skipped). */
export async function loadRuns(db: Kysely<Database>, ops: DialectOps, runIds: readonly string[]): Promise<Run[]> {
  const runs: Run[] = []
  // Bounded IN lists keep each query under the database's bound-parameter limit.
  for (let i = 0; i < runIds.length; i += LOAD_CHUNK)
    runs.push(...(await loadChunk(db, ops, runIds.slice(i, i + LOAD_CHUNK))))
  return runs
}

const LOAD_CHUNK = 5000

/** A metric as json_array(key, value, is_nan, timestamp, step, model_id, dataset_name, dataset_digest). */
type MetricTuple = [string, number, number, number, number, string | null, string | null, string | null]
type RunRowWithData = Selectable<RunsTable> & { m: string; p: string; t: string }

const metricFromTuple = ([key, value, is_nan, timestamp, step, model_id, dataset_name, dataset_digest]: MetricTuple) =>
  metricFromRow({ key, value, is_nan, timestamp, step, model_id, dataset_name, dataset_digest })
/** PostgreSQL's JSON writes ±Infinity as a string. */
const metricFromPostgresTuple = (tuple: MetricTuple) =>
  metricFromTuple(
    typeof tuple[1] === 'number' ? tuple : ([tuple[0], Number(tuple[1]), ...tuple.slice(2)] as MetricTuple),
  )
const kvFromPairs = (pairs: [string, string][]): Tag[] => pairs.map(([key, value]) => ({ key, value }))

/** `SELECT` of the runs with their lists, built once per dialect. */
function selectRunsWithData(ops: DialectOps) {
  const col = (name: string) => sql.ref(name)
  const list = (table: string, columns: string[]) =>
    sql`(SELECT ${ops.jsonArrayAgg(columns.map(col), col('key'))} FROM ${sql.table(table)} WHERE run_uuid = r.run_uuid)`
  return sql`SELECT r.*,
      ${list('latest_metrics', ['key', 'value', 'is_nan', 'timestamp', 'step', 'model_id', 'dataset_name', 'dataset_digest'])} AS m,
      ${list('params', ['key', 'value'])} AS p,
      ${list('tags', ['key', 'value'])} AS t
      FROM runs r`
}
const SELECT_RUNS_WITH_DATA: Record<DialectName, RawBuilder<unknown>> = {
  sqlite: selectRunsWithData(dialectOps('sqlite')),
  postgres: selectRunsWithData(dialectOps('postgres')),
}

async function loadChunk(db: Kysely<Database>, ops: DialectOps, ids: string[]): Promise<Run[]> {
  // Each run's metrics, params and tags come with its row as JSON arrays built by the database
  // (sorted by key): one statement instead of three, and one JSON.parse per list instead of a JS
  // object per row and column (for a page of 100 runs, about half the loading time).
  const [withData, inputs, modelIo] = await Promise.all([
    sql<RunRowWithData>`${SELECT_RUNS_WITH_DATA[ops.name]} WHERE r.run_uuid IN (${sql.join(ids)})`.execute(db),
    db
      .selectFrom('run_dataset_inputs as i')
      .innerJoin('datasets as d', 'd.dataset_uuid', 'i.dataset_uuid')
      .select(['i.run_uuid', 'i.tags', 'd.name', 'd.digest', 'd.source_type', 'd.source', 'd.schema', 'd.profile'])
      .where('i.run_uuid', 'in', ids)
      .orderBy('d.name')
      .execute(),
    db.selectFrom('run_model_io').selectAll().where('run_uuid', 'in', ids).orderBy('model_id').execute(),
  ])
  const inputsByRun = groupBy(inputs, (i) => i.run_uuid)
  const ioByRun = groupBy(modelIo, (m) => m.run_uuid)
  const infoById = new Map(withData.rows.map((r) => [r.run_uuid, r]))
  const toMetric = ops.name === 'postgres' ? metricFromPostgresTuple : metricFromTuple

  const runs: Run[] = []
  for (const id of ids) {
    const row = infoById.get(id)
    if (!row) continue
    const datasetInputs: DatasetInput[] = (inputsByRun.get(id) ?? []).map((i) => ({
      tags: JSON.parse(i.tags) as Tag[],
      dataset: {
        name: i.name,
        digest: i.digest,
        sourceType: i.source_type,
        source: i.source,
        ...(i.schema !== null ? { schema: i.schema } : {}),
        ...(i.profile !== null ? { profile: i.profile } : {}),
      },
    }))
    const io = ioByRun.get(id) ?? []
    const modelInputs: ModelInput[] = io.filter((m) => m.direction === 'input').map((m) => ({ modelId: m.model_id }))
    const modelOutputs: ModelOutput[] = io
      .filter((m) => m.direction === 'output')
      .map((m) => ({ modelId: m.model_id, step: Number(m.step) }))
    runs.push({
      info: runInfoFromRow(row),
      data: {
        metrics: (JSON.parse(row.m) as MetricTuple[]).map(toMetric),
        params: kvFromPairs(JSON.parse(row.p) as [string, string][]),
        tags: kvFromPairs(JSON.parse(row.t) as [string, string][]),
      },
      inputs: { datasetInputs, modelInputs },
      outputs: { modelOutputs },
    })
  }
  return runs
}
