/**
 * The prediction log over SQL. A batch is one write transaction: its records (a record already
 * logged is skipped by the unique key), and the deployment summary that counts only the records
 * that were new, so the summary never needs to scan the log.
 */
import type { PredictionDeploymentSummary, PredictionRecord } from '@keel/contracts'
import { sql, type Kysely } from 'kysely'
import type {
  DroppedCount,
  PredictionLogStore,
  PredictionPage,
  PredictionQuery,
  StoredLabel,
  StoredPrediction,
} from '../../predictions/prediction-log-store.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { withWriteTransaction } from '../sql-util.js'
import {
  PREDICTION_COLUMNS,
  type PredictionDb,
  type PredictionSelection,
  type PredictionTables,
  predictionFromRow,
  predictionRow,
} from './prediction-rows.js'

/** Rows per INSERT: 16 columns each, under SQLite's bound-parameter limit, one SQL text for most chunks. */
const ROWS_PER_INSERT = 200

interface Delta {
  records: number
  dropped: number
  first: number | null
  last: number | null
  values: Set<string>
}

const tables = (db: Kysely<Database>): PredictionDb => db.withTables<PredictionTables>() as unknown as PredictionDb

export class SqlPredictionLogStore implements PredictionLogStore {
  private readonly db: PredictionDb

  constructor(
    private readonly base: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {
    this.db = tables(base)
  }

  private write<T>(fn: (tx: PredictionDb) => Promise<T>): Promise<T> {
    return withWriteTransaction(this.base, this.ops, (tx) => fn(tables(tx)))
  }

  async logBatch(records: readonly PredictionRecord[], dropped?: DroppedCount): Promise<number> {
    return this.write(async (tx) => {
      const deltas = new Map<string, Delta>()
      const delta = (deployment: string): Delta => {
        let d = deltas.get(deployment)
        if (!d) deltas.set(deployment, (d = { records: 0, dropped: 0, first: null, last: null, values: new Set() }))
        return d
      }
      let inserted = 0
      for (let i = 0; i < records.length; i += ROWS_PER_INSERT) {
        const rows = records.slice(i, i + ROWS_PER_INSERT).map(predictionRow)
        const added = await tx
          .insertInto('predictions')
          .values(rows)
          .onConflict((oc) => oc.columns(['deployment', 'request_id', 'variant']).doNothing())
          .returning(['deployment', 'variant', 'model_version', 'timestamp_ms'])
          .execute()
        inserted += added.length
        for (const row of added) {
          const d = delta(row.deployment)
          const t = Number(row.timestamp_ms)
          d.records++
          d.first = d.first === null ? t : Math.min(d.first, t)
          d.last = d.last === null ? t : Math.max(d.last, t)
          d.values.add(JSON.stringify(['variant', row.variant]))
          if (row.model_version !== null) d.values.add(JSON.stringify(['model_version', row.model_version]))
        }
      }
      // A batch whose records were all logged already is a retry of one that committed: its
      // dropped count was counted then.
      if (dropped && dropped.count > 0 && !(records.length > 0 && inserted === 0)) delta(dropped.deployment).dropped += dropped.count
      for (const [deployment, d] of deltas) await this.addToSummary(tx, deployment, d)
      return inserted
    })
  }

  private async addToSummary(tx: PredictionDb, deployment: string, d: Delta): Promise<void> {
    const current = (column: string) => sql.ref(`prediction_deployments.${column}`)
    const given = (column: string) => sql.ref(`excluded.${column}`)
    const extreme = (column: string, op: '<' | '>') =>
      sql<number | null>`CASE WHEN ${given(column)} IS NOT NULL AND (${current(column)} IS NULL OR ${given(column)} ${sql.raw(op)} ${current(column)}) THEN ${given(column)} ELSE ${current(column)} END`
    await tx
      .insertInto('prediction_deployments')
      .values({ deployment, records: d.records, dropped: d.dropped, first_timestamp_ms: d.first, last_timestamp_ms: d.last })
      .onConflict((oc) =>
        oc.column('deployment').doUpdateSet({
          records: sql<number>`${current('records')} + ${given('records')}`,
          dropped: sql<number>`${current('dropped')} + ${given('dropped')}`,
          first_timestamp_ms: extreme('first_timestamp_ms', '<'),
          last_timestamp_ms: extreme('last_timestamp_ms', '>'),
        }),
      )
      .execute()
    if (d.values.size === 0) return
    const values = [...d.values].map((v) => {
      const [kind, value] = JSON.parse(v) as ['variant' | 'model_version', string]
      return { deployment, kind, value }
    })
    await tx
      .insertInto('prediction_deployment_values')
      .values(values)
      .onConflict((oc) => oc.doNothing())
      .execute()
  }

  private selectPredictions() {
    return this.db
      .selectFrom('predictions as p')
      .leftJoin('prediction_labels as l', 'l.request_id', 'p.request_id')
      .select(PREDICTION_COLUMNS)
  }

  async search(q: PredictionQuery): Promise<PredictionPage> {
    let query = this.selectPredictions()
    if (q.deployment !== undefined) query = query.where('p.deployment', '=', q.deployment)
    if (q.modelName !== undefined) query = query.where('p.model_name', '=', q.modelName)
    if (q.modelVersion !== undefined) query = query.where('p.model_version', '=', q.modelVersion)
    if (q.variant !== undefined) query = query.where('p.variant', '=', q.variant)
    if (q.shadow !== undefined) query = query.where('p.shadow', '=', q.shadow ? 1 : 0)
    // The cursor tightens the window's bound on its side (one range on the index, so a page costs
    // the same wherever it starts); ties at the cursor's timestamp continue by seq.
    const after = q.after
    let start = q.startTime
    let end = q.endTime
    if (after && q.order === 'asc' && (start === undefined || after.timestampMs >= start)) start = after.timestampMs
    if (after && q.order === 'desc' && (end === undefined || after.timestampMs < end)) end = after.timestampMs + 1
    if (start !== undefined) query = query.where('p.timestamp_ms', '>=', start)
    if (end !== undefined) query = query.where('p.timestamp_ms', '<', end)
    if (after) {
      const op = q.order === 'asc' ? '>' : '<'
      query = query.where((eb) => eb.or([eb('p.timestamp_ms', op, after.timestampMs), eb('p.seq', op, after.seq)]))
    }
    const rows = await query
      .orderBy('p.timestamp_ms', q.order)
      .orderBy('p.seq', q.order)
      .limit(q.limit + 1)
      .execute()
    const items = rows.slice(0, q.limit).map((r) => predictionFromRow(r as PredictionSelection))
    return { items, hasMore: rows.length > q.limit }
  }

  async get(requestId: string): Promise<StoredPrediction[]> {
    const rows = await this.selectPredictions()
      .where('p.request_id', '=', requestId)
      .orderBy('p.timestamp_ms')
      .orderBy('p.seq')
      .execute()
    return rows.map((r) => predictionFromRow(r as PredictionSelection))
  }

  async upsertLabels(labels: readonly StoredLabel[]): Promise<void> {
    // The later entry of a request id given twice wins (PostgreSQL refuses to update a row twice
    // in one statement, so duplicates go before the statement does).
    const byId = new Map(labels.map((l) => [l.requestId, l]))
    const rows = [...byId.values()].map((l) => ({ request_id: l.requestId, label: JSON.stringify(l.label), timestamp_ms: l.timestampMs }))
    await this.write(async (tx) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
        await tx
          .insertInto('prediction_labels')
          .values(rows.slice(i, i + ROWS_PER_INSERT))
          .onConflict((oc) =>
            oc.column('request_id').doUpdateSet({ label: sql.ref('excluded.label'), timestamp_ms: sql.ref('excluded.timestamp_ms') }),
          )
          .execute()
      }
    })
  }

  async deployments(): Promise<PredictionDeploymentSummary[]> {
    const [summaries, values] = await Promise.all([
      this.db.selectFrom('prediction_deployments').selectAll().orderBy('deployment').execute(),
      this.db.selectFrom('prediction_deployment_values').selectAll().execute(),
    ])
    const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true })
    return summaries.map((s) => {
      const own = values.filter((v) => v.deployment === s.deployment)
      const of = (kind: string) => own.filter((v) => v.kind === kind).map((v) => v.value).sort(byName)
      return {
        deployment: s.deployment,
        records: Number(s.records),
        dropped: Number(s.dropped),
        ...(s.first_timestamp_ms !== null && { firstTimestampMs: Number(s.first_timestamp_ms) }),
        ...(s.last_timestamp_ms !== null && { lastTimestampMs: Number(s.last_timestamp_ms) }),
        variants: of('variant'),
        modelVersions: of('model_version'),
      }
    })
  }
}
