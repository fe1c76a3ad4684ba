/**
 * The durable queue's jobs over SQL (migration 0011). A claim is one write transaction: it reads
 * the due rows and moves each with an UPDATE that re-checks the row is still claimable, so two
 * workers never hold one job (SQLite's writer lock and PostgreSQL's write lock serialise the
 * claims; the guarded UPDATE would hold even without them). Every later move checks the row is
 * still `running` under this worker.
 */
import type { ColumnType, Kysely, Selectable } from 'kysely'
import type { JobPage, JobQuery, JobState } from '../../queue/job-queue.js'
import type { JobStore, NewJob, StoredJob } from '../../queue/job-store.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { isUniqueViolation, withWriteTransaction } from '../sql-util.js'

type Int64 = ColumnType<number, number | bigint, number | bigint>

interface JobsTable {
  job_id: string
  kind: string
  state: string
  payload: string
  result: string | null
  attempts: number
  max_attempts: number
  backoff_ms: Int64
  last_error: string | null
  created_ms: Int64
  updated_ms: Int64
  run_at_ms: Int64
  started_ms: Int64 | null
  finished_ms: Int64 | null
  claimed_by: string | null
  lease_until_ms: Int64 | null
}

type JobDb = Kysely<{ jobs: JobsTable }>
const tables = (db: Kysely<Database>): JobDb => db.withTables<{ jobs: JobsTable }>() as unknown as JobDb

function fromRow(r: Selectable<JobsTable>): StoredJob {
  return {
    jobId: r.job_id,
    kind: r.kind,
    state: r.state as JobState,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    backoffMs: Number(r.backoff_ms),
    ...(r.last_error !== null && { lastError: r.last_error }),
    createdMs: Number(r.created_ms),
    updatedMs: Number(r.updated_ms),
    runAtMs: Number(r.run_at_ms),
    ...(r.started_ms !== null && { startedMs: Number(r.started_ms) }),
    ...(r.finished_ms !== null && { finishedMs: Number(r.finished_ms) }),
    ...(r.claimed_by !== null && { worker: r.claimed_by }),
    ...(r.lease_until_ms !== null && { leaseUntilMs: Number(r.lease_until_ms) }),
    ...(r.result !== null && { result: JSON.parse(r.result) as unknown }),
  }
}

export class SqlJobStore implements JobStore {
  private readonly db: JobDb

  constructor(
    private readonly base: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {
    this.db = tables(base)
  }

  private write<T>(fn: (tx: JobDb) => Promise<T>): Promise<T> {
    return withWriteTransaction(this.base, this.ops, (tx) => fn(tables(tx)))
  }

  async insert(job: NewJob): Promise<{ job: StoredJob; created: boolean }> {
    try {
      await this.db
        .insertInto('jobs')
        .values({
          job_id: job.jobId,
          kind: job.kind,
          state: 'queued',
          payload: JSON.stringify(job.payload),
          result: null,
          attempts: 0,
          max_attempts: job.maxAttempts,
          backoff_ms: job.backoffMs,
          last_error: null,
          created_ms: job.createdMs,
          updated_ms: job.createdMs,
          run_at_ms: job.runAtMs,
          started_ms: null,
          finished_ms: null,
          claimed_by: null,
          lease_until_ms: null,
        })
        .execute()
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
      const existing = await this.get(job.jobId)
      if (existing) return { job: existing, created: false }
      throw error
    }
    return { job: (await this.get(job.jobId))!, created: true }
  }

  async requeue(job: NewJob): Promise<StoredJob | undefined> {
    const result = await this.db
      .updateTable('jobs')
      .set({
        state: 'queued',
        payload: JSON.stringify(job.payload),
        result: null,
        attempts: 0,
        max_attempts: job.maxAttempts,
        backoff_ms: job.backoffMs,
        last_error: null,
        updated_ms: job.createdMs,
        run_at_ms: job.runAtMs,
        started_ms: null,
        finished_ms: null,
        claimed_by: null,
        lease_until_ms: null,
      })
      .where('job_id', '=', job.jobId)
      .where('state', 'in', ['failed', 'cancelled'])
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0 ? this.get(job.jobId) : undefined
  }

  async get(jobId: string): Promise<StoredJob | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('job_id', '=', jobId).executeTakeFirst()
    return row && fromRow(row)
  }

  async list(q: JobQuery): Promise<JobPage> {
    let query = this.db.selectFrom('jobs').selectAll()
    if (q.state !== undefined) query = query.where('state', '=', q.state)
    if (q.kind !== undefined) query = query.where('kind', '=', q.kind)
    const after = q.after
    if (after)
      query = query.where((eb) =>
        eb.or([
          eb('created_ms', '<', after.createdMs),
          eb.and([eb('created_ms', '=', after.createdMs), eb('job_id', '<', after.jobId)]),
        ]),
      )
    const rows = await query
      .orderBy('created_ms', 'desc')
      .orderBy('job_id', 'desc')
      .limit(q.limit + 1)
      .execute()
    return { items: rows.slice(0, q.limit).map((r) => omitBookkeeping(fromRow(r))), hasMore: rows.length > q.limit }
  }

  async claim(
    worker: string,
    kinds: readonly string[],
    now: number,
    leaseMs: number,
    limit: number,
  ): Promise<StoredJob[]> {
    if (kinds.length === 0 || limit <= 0) return []
    return this.write(async (tx) => {
      const due = await tx
        .selectFrom('jobs')
        .selectAll()
        .where('kind', 'in', [...kinds])
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'queued'), eb('run_at_ms', '<=', now)]),
            eb.and([eb('state', '=', 'running'), eb('lease_until_ms', '<', now)]),
          ]),
        )
        .orderBy('run_at_ms')
        .orderBy('created_ms')
        .limit(limit)
        .execute()
      const claimed: StoredJob[] = []
      for (const row of due) {
        const lapsed = row.state === 'running'
        const lapseNote = lapsed
          ? `the lease of worker ${row.claimed_by ?? '?'} lapsed at ${new Date(Number(row.lease_until_ms)).toISOString()} (the worker stopped or died)`
          : undefined
        const guard = tx
          .updateTable('jobs')
          .where('job_id', '=', row.job_id)
          .where('state', '=', row.state)
          .where('attempts', '=', row.attempts)
        if (lapsed && Number(row.attempts) >= Number(row.max_attempts)) {
          await guard
            .set({
              state: 'failed',
              last_error: lapseNote!,
              updated_ms: now,
              finished_ms: now,
              claimed_by: null,
              lease_until_ms: null,
            })
            .execute()
          continue
        }
        const result = await guard
          .set({
            state: 'running',
            attempts: Number(row.attempts) + 1,
            claimed_by: worker,
            lease_until_ms: now + leaseMs,
            started_ms: now,
            updated_ms: now,
            ...(lapseNote !== undefined && { last_error: lapseNote }),
          })
          .executeTakeFirst()
        if (Number(result.numUpdatedRows) === 0) continue
        claimed.push(
          fromRow({
            ...row,
            state: 'running',
            attempts: Number(row.attempts) + 1,
            claimed_by: worker,
            lease_until_ms: now + leaseMs,
            started_ms: now,
            updated_ms: now,
            last_error: lapseNote ?? row.last_error,
          }),
        )
      }
      return claimed
    })
  }

  private held(jobId: string, worker: string) {
    return this.db
      .updateTable('jobs')
      .where('job_id', '=', jobId)
      .where('state', '=', 'running')
      .where('claimed_by', '=', worker)
  }

  async renew(jobId: string, worker: string, leaseUntilMs: number, now: number): Promise<boolean> {
    const r = await this.held(jobId, worker).set({ lease_until_ms: leaseUntilMs, updated_ms: now }).executeTakeFirst()
    return Number(r.numUpdatedRows) > 0
  }

  async complete(jobId: string, worker: string, result: unknown, now: number): Promise<boolean> {
    const r = await this.held(jobId, worker)
      .set({
        state: 'succeeded',
        result: JSON.stringify(result ?? null),
        updated_ms: now,
        finished_ms: now,
        claimed_by: null,
        lease_until_ms: null,
      })
      .executeTakeFirst()
    return Number(r.numUpdatedRows) > 0
  }

  async fail(
    jobId: string,
    worker: string,
    error: string,
    now: number,
    retryAtMs: number | undefined,
  ): Promise<boolean> {
    const r = await this.held(jobId, worker)
      .set(
        retryAtMs === undefined
          ? {
              state: 'failed',
              last_error: error,
              updated_ms: now,
              finished_ms: now,
              claimed_by: null,
              lease_until_ms: null,
            }
          : {
              state: 'queued',
              last_error: error,
              updated_ms: now,
              run_at_ms: retryAtMs,
              claimed_by: null,
              lease_until_ms: null,
            },
      )
      .executeTakeFirst()
    return Number(r.numUpdatedRows) > 0
  }

  async cancel(jobId: string, now: number): Promise<StoredJob | undefined> {
    await this.db
      .updateTable('jobs')
      .set({ state: 'cancelled', updated_ms: now, finished_ms: now, claimed_by: null, lease_until_ms: null })
      .where('job_id', '=', jobId)
      .where('state', 'in', ['queued', 'running'])
      .execute()
    return this.get(jobId)
  }

  async nextRunAt(kinds: readonly string[]): Promise<number | undefined> {
    if (kinds.length === 0) {
      // A cheap read: whether the table can be read at all.
      await this.db.selectFrom('jobs').select('job_id').limit(1).execute()
      return undefined
    }
    const row = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.min('run_at_ms').as('next'))
      .where('state', '=', 'queued')
      .where('kind', 'in', [...kinds])
      .executeTakeFirst()
    return row?.next === null || row?.next === undefined ? undefined : Number(row.next)
  }

  async prune(before: number): Promise<number> {
    const r = await this.db
      .deleteFrom('jobs')
      .where('state', 'in', ['succeeded', 'failed', 'cancelled'])
      .where('finished_ms', '<', before)
      .executeTakeFirst()
    return Number(r.numDeletedRows)
  }
}

function omitBookkeeping(job: StoredJob): StoredJob {
  const { leaseUntilMs: _l, ...rest } = job
  return rest
}
