/**
 * Writing metric points: the history (idempotent under client retries), each run's latest value
 * per key, and the points logged against a logged model. One point at a time goes through
 * precompiled statements (the log-metric path); larger batches through multi-row inserts.
 */
import type { Metric } from '@keel/contracts'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import { precompile } from '../precompiled.js'
import { chunk } from '../sql-util.js'

function metricRow(runId: string, m: Metric) {
  const isNan = Number.isNaN(m.value)
  return {
    run_uuid: runId,
    key: m.key,
    value: isNan ? 0 : m.value,
    is_nan: isNan ? 1 : 0,
    timestamp: m.timestamp,
    step: m.step,
    model_id: m.modelId ?? null,
    dataset_name: m.datasetName ?? null,
    dataset_digest: m.datasetDigest ?? null,
  }
}

type MetricRow = ReturnType<typeof metricRow>
const METRIC_COLUMNS = [
  'run_uuid',
  'key',
  'value',
  'is_nan',
  'timestamp',
  'step',
  'model_id',
  'dataset_name',
  'dataset_digest',
] as const
const rowArgs = (r: MetricRow) => METRIC_COLUMNS.map((c) => r[c])
const slotsRow = (slots: unknown[]) => Object.fromEntries(METRIC_COLUMNS.map((c, i) => [c, slots[i]])) as MetricRow

/** One metric point; a retry of the same point is a no-op. */
const insertMetric = precompile(METRIC_COLUMNS.length, (db, ...slots) =>
  db
    .insertInto('metrics')
    .values(slotsRow(slots))
    .onConflict((oc) => oc.doNothing()),
)

/** The run's latest value of a key, replaced only by a point with a larger (step, timestamp, value). */
const upsertLatestMetric = precompile(METRIC_COLUMNS.length, (db, ...slots) =>
  db
    .insertInto('latest_metrics')
    .values(slotsRow(slots))
    .onConflict((oc) =>
      oc
        .columns(['run_uuid', 'key'])
        .doUpdateSet((eb) => ({
          value: eb.ref('excluded.value'),
          is_nan: eb.ref('excluded.is_nan'),
          timestamp: eb.ref('excluded.timestamp'),
          step: eb.ref('excluded.step'),
          model_id: eb.ref('excluded.model_id'),
          dataset_name: eb.ref('excluded.dataset_name'),
          dataset_digest: eb.ref('excluded.dataset_digest'),
        }))
        .where(
          sql<boolean>`(excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`,
        ),
    ),
)

/** Up to this many points are written one precompiled statement at a time; more go in multi-row inserts. */
const SMALL_BATCH = 8

export async function insertMetrics(tx: Kysely<Database>, runId: string, metrics: readonly Metric[]): Promise<void> {
  const rows = metrics.map((m) => metricRow(runId, m))
  if (rows.length <= SMALL_BATCH) {
    for (const row of rows) await insertMetric(tx, ...rowArgs(row))
  } else {
    for (const part of chunk(rows, 9)) {
      await tx
        .insertInto('metrics')
        .values(part)
        .onConflict((oc) => oc.doNothing())
        .execute()
    }
  }
  // The newest point per key by (step, timestamp, value) becomes the run's latest value, unless a
  // newer one is already there.
  const latest = new Map<string, (typeof rows)[number]>()
  for (const r of rows) {
    const cur = latest.get(r.key)
    if (!cur || compareMetricRows(r, cur) > 0) latest.set(r.key, r)
  }
  for (const row of latest.values()) await upsertLatestMetric(tx, ...rowArgs(row))
  await recordLoggedModelMetrics(tx, runId, metrics)
}

function compareMetricRows(a: MetricRow, b: MetricRow): number {
  return Number(a.step) - Number(b.step) || Number(a.timestamp) - Number(b.timestamp) || a.value - b.value
}

/** Metrics logged with a model id also belong to that logged model (MLflow 3's model metrics). */
async function recordLoggedModelMetrics(tx: Kysely<Database>, runId: string, metrics: readonly Metric[]) {
  const modelIds = [...new Set(metrics.flatMap((m) => (m.modelId ? [m.modelId] : [])))]
  if (modelIds.length === 0) return
  const known = new Set(
    (await tx.selectFrom('logged_models').select('model_id').where('model_id', 'in', modelIds).execute()).map(
      (r) => r.model_id,
    ),
  )
  const rows = metrics
    .filter((m) => m.modelId !== undefined && known.has(m.modelId))
    .map((m) => {
      const { run_uuid: _run, model_id, ...rest } = metricRow(runId, m)
      return { ...rest, model_id: model_id!, run_id: runId }
    })
  for (const part of chunk(rows, 9)) {
    await tx
      .insertInto('logged_model_metrics')
      .values(part)
      .onConflict((oc) => oc.doNothing())
      .execute()
  }
}
