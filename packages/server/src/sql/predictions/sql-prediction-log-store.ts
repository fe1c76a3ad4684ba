/**
 * The prediction log over SQL. A batch is one write transaction: its records (a record already
 * logged is skipped by the unique key), and the deployment summary that counts only the records
 * that were new, so the summary never needs to scan the log.
 */
import type { PredictionDeploymentSummary, PredictionRecord } from '@keel/contracts'
import { CompiledQuery, sql, type Kysely } from 'kysely'
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
  INSERT_COLUMNS,
  PREDICTION_COLUMNS,
  type PredictionDb,
  type PredictionSelection,
  type PredictionTables,
  predictionFromRow,
  pushPredictionRow,
} from './prediction-rows.js'

/**
 * Rows per INSERT: powers of two up to 256 (15 columns each, under SQLite's bound-parameter
 * limit), so a batch takes a few statements and the store keeps at most nine SQL texts prepared.
 */
const MAX_ROWS_PER_INSERT = 256
/** Labels per INSERT (3 columns each). */
const LABELS_PER_INSERT = 200
/** The largest dropped total kept: beyond 2^53 - 1 it could not be read back exact (JSON numbers). */
const MAX_DROPPED = Number.MAX_SAFE_INTEGER

/**
 * A time bound as the integer that selects the same records: timestamps are integers, so `>= t`
 * and `< t` hold exactly where they hold for ceil(t). (A monitor's cutoff, now minus a lateness of
 * fractional seconds, can be a fraction: SQLite compares it as a real, PostgreSQL refuses it for
 * its bigint column.) Past ±2^53, beyond every stored timestamp, a bound selects all or nothing,
 * as ±2^53 does.
 */
const timeBound = (t: number): number => Math.min(Math.max(Math.ceil(t), -(2 ** 53)), 2 ** 53)

/** An INSERT of n rows compiled once: its SQL and, for each parameter, the flat value it binds. */
interface InsertStatement {
  readonly sql: string
  /** Undefined when the parameters are the flat values in order (Kysely keeps them so). */
  readonly bindings: readonly number[] | undefined
}

interface Delta {
  records: number
  dropped: number
  first: number | null
  last: number | null
  variants: Set<string>
  versions: Set<string>
}

/** A new row as the summary needs it. */
interface AddedRow {
  readonly deployment: string
  readonly variant: string
  readonly modelVersion?: string | null | undefined
  readonly timestampMs: number
}

const tables = (db: Kysely<Database>): PredictionDb => db.withTables<PredictionTables>() as unknown as PredictionDb

export class SqlPredictionLogStore implements PredictionLogStore {
  private readonly db: PredictionDb
  private readonly inserts = new Map<number, InsertStatement>()

  constructor(
    private readonly base: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {
    this.db = tables(base)
  }

  private write<T>(fn: (tx: PredictionDb) => Promise<T>): Promise<T> {
    return withWriteTransaction(this.base, this.ops, (tx) => fn(tables(tx)))
  }

  /** The INSERT of `rows` rows, built with Kysely the first time (its SQL for this dialect). */
  private insertStatement(tx: PredictionDb, rows: number): InsertStatement {
    let statement = this.inserts.get(rows)
    if (statement) return statement
    // Each value is its index among the flat values, so the compiled parameters say which binds where.
    const width = INSERT_COLUMNS.length
    const values = Array.from({ length: rows }, (_, i) =>
      Object.fromEntries(INSERT_COLUMNS.map((c, j) => [c, i * width + j])),
    )
    const compiled = tx
      .insertInto('predictions')
      .values(values as never)
      .onConflict((oc) => oc.columns(['request_id', 'deployment', 'variant']).doNothing())
      .compile()
    const bindings = compiled.parameters.map(Number)
    if (bindings.length !== rows * width)
      throw new Error(`INSERT of ${rows} rows compiled to ${bindings.length} parameters`)
    statement = { sql: compiled.sql, bindings: bindings.every((b, i) => b === i) ? undefined : bindings }
    this.inserts.set(rows, statement)
    return statement
  }

  /** Inserts the records, skipping those already logged; returns how many rows were added. */
  private async insert(tx: PredictionDb, records: readonly PredictionRecord[]): Promise<number> {
    let inserted = 0
    for (let i = 0; i < records.length; ) {
      let rows = MAX_ROWS_PER_INSERT
      while (rows > records.length - i) rows >>= 1
      const params: unknown[] = []
      for (let j = i; j < i + rows; j++) pushPredictionRow(params, records[j]!)
      const { sql: text, bindings } = this.insertStatement(tx, rows)
      const result = await tx.executeQuery(CompiledQuery.raw(text, bindings ? bindings.map((b) => params[b]) : params))
      inserted += Number(result.numAffectedRows ?? 0n)
      i += rows
    }
    return inserted
  }

  async logBatch(records: readonly PredictionRecord[], dropped?: DroppedCount): Promise<number> {
    return this.write(async (tx) => {
      // Rows added by this transaction have seq above the largest before it (the write lock is held).
      const before =
        records.length === 0
          ? 0
          : Number(
              (
                await tx
                  .selectFrom('predictions')
                  .select((eb) => eb.fn.max('seq').as('seq'))
                  .executeTakeFirst()
              )?.seq ?? 0,
            )
      const inserted = await this.insert(tx, records)
      // Every record new (the common case): the summary comes from the records themselves; else
      // (a retry, duplicates) from the rows this transaction added.
      const added: readonly AddedRow[] =
        inserted === records.length
          ? records
          : (
              await tx
                .selectFrom('predictions')
                .select(['deployment', 'variant', 'model_version', 'timestamp_ms'])
                .where('seq', '>', before)
                .execute()
            ).map((r) => ({
              deployment: r.deployment,
              variant: r.variant,
              modelVersion: r.model_version,
              timestampMs: Number(r.timestamp_ms),
            }))
      const deltas = new Map<string, Delta>()
      const delta = (deployment: string): Delta => {
        let d = deltas.get(deployment)
        if (!d) {
          d = { records: 0, dropped: 0, first: null, last: null, variants: new Set(), versions: new Set() }
          deltas.set(deployment, d)
        }
        return d
      }
      for (const row of added) {
        const d = delta(row.deployment)
        const t = row.timestampMs
        d.records++
        if (d.first === null || t < d.first) d.first = t
        if (d.last === null || t > d.last) d.last = t
        d.variants.add(row.variant)
        if (row.modelVersion !== undefined && row.modelVersion !== null) d.versions.add(row.modelVersion)
      }
      // A batch whose records were all logged already is a retry of one that committed: its
      // dropped count was counted then.
      if (dropped && dropped.count > 0 && !(records.length > 0 && inserted === 0))
        delta(dropped.deployment).dropped += dropped.count
      for (const [deployment, d] of deltas) await this.addToSummary(tx, deployment, d)
      return inserted
    })
  }

  private async addToSummary(tx: PredictionDb, deployment: string, d: Delta): Promise<void> {
    const current = (column: string) => sql.ref(`prediction_deployments.${column}`)
    const given = (column: string) => sql.ref(`excluded.${column}`)
    const extreme = (column: string, op: '<' | '>') =>
      sql<
        number | null
      >`CASE WHEN ${given(column)} IS NOT NULL AND (${current(column)} IS NULL OR ${given(column)} ${sql.raw(op)} ${current(column)}) THEN ${given(column)} ELSE ${current(column)} END`
    await tx
      .insertInto('prediction_deployments')
      .values({
        deployment,
        records: d.records,
        dropped: d.dropped,
        first_timestamp_ms: d.first,
        last_timestamp_ms: d.last,
      })
      .onConflict((oc) =>
        oc.column('deployment').doUpdateSet({
          records: sql<number>`${current('records')} + ${given('records')}`,
          // The total stops at MAX_DROPPED (CASE: SQLite's two-argument min() is least() in PostgreSQL).
          dropped: sql<number>`CASE WHEN ${current('dropped')} + ${given('dropped')} > ${MAX_DROPPED} THEN ${MAX_DROPPED} ELSE ${current('dropped')} + ${given('dropped')} END`,
          first_timestamp_ms: extreme('first_timestamp_ms', '<'),
          last_timestamp_ms: extreme('last_timestamp_ms', '>'),
        }),
      )
      .execute()
    const values = [
      ...[...d.variants].map((value) => ({ deployment, kind: 'variant' as const, value })),
      ...[...d.versions].map((value) => ({ deployment, kind: 'model_version' as const, value })),
    ]
    if (values.length === 0) return
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
    if (start !== undefined) query = query.where('p.timestamp_ms', '>=', timeBound(start))
    if (end !== undefined) query = query.where('p.timestamp_ms', '<', timeBound(end))
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
    const rows = [...byId.values()].map((l) => ({
      request_id: l.requestId,
      label: JSON.stringify(l.label),
      timestamp_ms: l.timestampMs,
    }))
    await this.write(async (tx) => {
      for (let i = 0; i < rows.length; i += LABELS_PER_INSERT) {
        await tx
          .insertInto('prediction_labels')
          .values(rows.slice(i, i + LABELS_PER_INSERT))
          .onConflict((oc) =>
            oc
              .column('request_id')
              .doUpdateSet({ label: sql.ref('excluded.label'), timestamp_ms: sql.ref('excluded.timestamp_ms') }),
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
      const of = (kind: string) =>
        own
          .filter((v) => v.kind === kind)
          .map((v) => v.value)
          .sort(byName)
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
