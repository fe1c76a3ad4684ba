/**
 * Run-scoped tracking writes on PostgreSQL with two servers on one database: they hold the write
 * lock in shared mode and serialise on their run's row (sql/tracking/sql-run-store.ts), so writers
 * of different runs overlap while each run's params stay immutable, its latest metrics stay the
 * maximum of its history, and nothing is written to a run once its deletion has committed.
 */
import { KeelError, type Metric } from '@keel/contracts'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import type { SqlDatabase } from '../src/sql/database.js'
import { withRunWriteTransaction } from '../src/sql/sql-util.js'
import { createSqlTrackingStore } from '../src/sql/tracking/sql-tracking-store.js'
import type { RunBatch, TrackingStore } from '../src/tracking/tracking-store.js'
import { openTwoServers, type TwoServers } from './support/postgres-servers.js'

let seq = 0
const uid = () => `${(seq++).toString(16)}`.padStart(32, '0')
// The stores share the servers' handles: closing the servers closes them.
const store = (db: SqlDatabase): TrackingStore => createSqlTrackingStore(db)
const batch = (b: Partial<RunBatch>): RunBatch => ({ metrics: [], params: [], tags: [], ...b })

/** A gate a test opens when it is ready. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}

describe('run-scoped writes on PostgreSQL: two servers at once', () => {
  let servers: TwoServers | undefined
  afterEach(async () => {
    await servers?.close()
    servers = undefined
  })

  async function experimentWithRuns(count: number): Promise<{ experimentId: string; runIds: string[] }> {
    const s = store(servers!.a)
    const experimentId = await s.experiments.create({
      name: `e-${uid()}`,
      artifactLocation: (id) => `mlflow-artifacts:/${id}`,
      tags: [],
      time: 1,
    })
    const runIds: string[] = []
    for (let i = 0; i < count; i++) {
      const runId = uid()
      await s.runs.create({
        runId,
        experimentId,
        name: `r${i}`,
        userId: 'tester',
        startTime: 1,
        artifactUri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
        tags: [],
      })
      runIds.push(runId)
    }
    return { experimentId, runIds }
  }

  /** Sessions of this database waiting for a lock (a row's, or the advisory write lock). */
  async function waiters(): Promise<number> {
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(servers!.a.db)
    return Number(rows[0]!.n)
  }

  async function untilWaiters(n: number): Promise<void> {
    while ((await waiters()) < n) await new Promise((resolve) => setImmediate(resolve))
  }

  const metricRows = async (runId: string) =>
    (
      await servers!.a.db
        .selectFrom('metrics')
        .select(['key', 'step'])
        .where('run_uuid', '=', runId)
        .orderBy('key')
        .orderBy('step')
        .execute()
    ).map((r) => `${r.key}@${r.step}`)

  it('the same params logged with different values through both servers: each key keeps one value, every loser gets INVALID_PARAMETER_VALUE', async () => {
    servers = await openTwoServers()
    const { runIds } = await experimentWithRuns(1)
    const runId = runIds[0]!
    const keys = Array.from({ length: 30 }, (_, i) => `p${i}`)
    const calls = keys.flatMap((key) =>
      (['a', 'b'] as const).map((side) => ({
        key,
        value: side,
        done: store(servers![side]).runs.logBatch(runId, batch({ params: [{ key, value: side }] })),
      })),
    )
    const settled = await Promise.allSettled(calls.map((c) => c.done))
    const stored = new Map(
      (await servers.b.db.selectFrom('params').select(['key', 'value']).where('run_uuid', '=', runId).execute()).map(
        (r) => [r.key, r.value],
      ),
    )
    expect([...stored.keys()].sort()).toEqual([...keys].sort())
    for (const key of keys) {
      const outcomes = calls.map((c, i) => ({ c, s: settled[i]! })).filter(({ c }) => c.key === key)
      const won = outcomes.filter(({ s }) => s.status === 'fulfilled')
      const lost = outcomes.filter(({ s }) => s.status === 'rejected')
      expect(won).toHaveLength(1)
      expect(lost).toHaveLength(1)
      expect(stored.get(key)).toBe(won[0]!.c.value)
      const err = (lost[0]!.s as PromiseRejectedResult).reason
      expect(err).toBeInstanceOf(KeelError)
      expect((err as KeelError).code).toBe('INVALID_PARAMETER_VALUE')
      expect((err as KeelError).message).toContain('Changing param values is not allowed')
    }
  })

  it('interleaved metric batches to one run through both servers leave the true latest value of every key', async () => {
    servers = await openTwoServers()
    const { runIds } = await experimentWithRuns(1)
    const runId = runIds[0]!
    // Steps, timestamps and values drawn from small ranges, so that points tie on step (and on
    // timestamp) and the order of the whole tuple decides; each server gets half the steps.
    let state = 12345
    const random = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31
      return state % n
    }
    const batches: { side: 'a' | 'b'; metrics: Metric[] }[] = []
    for (let b = 0; b < 40; b++) {
      const side = b % 2 === 0 ? 'a' : 'b'
      const metrics: Metric[] = []
      for (let i = 0; i < 50; i++) {
        const step = random(20) * 2 + (side === 'a' ? 0 : 1)
        metrics.push({ key: `m${random(6)}`, value: random(1000) / 10 - 50, step, timestamp: 1000 + random(5) })
      }
      batches.push({ side, metrics })
    }
    await Promise.all(
      batches.map(({ side, metrics }) => store(servers![side]).runs.logBatch(runId, batch({ metrics }))),
    )

    const history = await servers.a.db
      .selectFrom('metrics')
      .select(['key', 'value', 'step', 'timestamp'])
      .where('run_uuid', '=', runId)
      .execute()
    const expected = new Map<string, { value: number; step: number; timestamp: number }>()
    for (const m of history) {
      const cur = expected.get(m.key)
      const step = Number(m.step)
      const timestamp = Number(m.timestamp)
      if (!cur || (step - cur.step || timestamp - cur.timestamp || m.value - cur.value) > 0) {
        expected.set(m.key, { value: m.value, step, timestamp })
      }
    }
    const latest = await servers.b.db
      .selectFrom('latest_metrics')
      .select(['key', 'value', 'step', 'timestamp'])
      .where('run_uuid', '=', runId)
      .execute()
    expect(latest).toHaveLength(expected.size)
    for (const row of latest) {
      expect({ value: row.value, step: Number(row.step), timestamp: Number(row.timestamp) }).toEqual(
        expected.get(row.key),
      )
    }
  })

  it("a write waiting on a run's deletion is refused once the deletion commits, and writes nothing", async () => {
    servers = await openTwoServers()
    const { runIds } = await experimentWithRuns(1)
    const runId = runIds[0]!
    const deletion = gate()
    const updated = gate()
    const committed = gate()
    // Server a deletes the run as setLifecycle does, holding its transaction open.
    const deleting = servers.a.db.connection().execute(async (conn) => {
      await sql`BEGIN`.execute(conn)
      await sql`UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = 2 WHERE run_uuid = ${runId}`.execute(conn)
      updated.open()
      await deletion.opened
      await sql`COMMIT`.execute(conn)
      committed.open()
    })
    // The deletion holds the run's row before the write starts, so it is the write that waits.
    await updated.opened
    const writing = store(servers.b).runs.logBatch(
      runId,
      batch({ metrics: [{ key: 'm', value: 1, step: 0, timestamp: 1 }], params: [{ key: 'p', value: 'v' }] }),
    )
    await untilWaiters(1)
    deletion.open()
    await deleting
    await committed.opened
    const err = await writing.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(KeelError)
    expect((err as KeelError).message).toContain("must be in the 'active' state")
    expect(await metricRows(runId)).toEqual([])
    expect(await servers.a.db.selectFrom('params').select('key').where('run_uuid', '=', runId).execute()).toEqual([])
  })

  it('log-batches racing run and experiment deletion: each call succeeded whole before the deletion or failed whole', async () => {
    servers = await openTwoServers()
    const { experimentId, runIds } = await experimentWithRuns(4)
    const [deletedRun, ...inExperiment] = runIds as [string, ...string[]]
    const calls: { runId: string; step: number; done: Promise<unknown> }[] = []
    const write = (runId: string, step: number) => {
      const side = step % 2 === 0 ? 'a' : 'b'
      const done = store(servers![side]).runs.logBatch(
        runId,
        batch({
          metrics: [{ key: 'm', value: step, step, timestamp: 1 }],
          params: [{ key: `p${step}`, value: 'v' }],
          tags: [{ key: `t${step}`, value: 'v' }],
        }),
      )
      calls.push({
        runId,
        step,
        done: done.then(
          () => 'ok',
          (e: unknown) => e,
        ),
      })
    }
    // Before, during and after the deletions: steps 0-9 are acknowledged first, 10-39 race the
    // deletions, 40-49 start after both committed.
    for (let step = 0; step < 10; step++) for (const runId of runIds) write(runId, step)
    await Promise.all(calls.map((c) => c.done))
    for (let step = 10; step < 25; step++) for (const runId of runIds) write(runId, step)
    const deletions = Promise.all([
      store(servers.a).runs.setLifecycle(deletedRun, 'deleted', 2),
      store(servers.b).experiments.setLifecycle(experimentId, 'deleted', 2),
    ])
    for (let step = 25; step < 40; step++) for (const runId of runIds) write(runId, step)
    await deletions
    for (let step = 40; step < 50; step++) for (const runId of runIds) write(runId, step)
    const outcomes = await Promise.all(calls.map((c) => c.done))

    for (const runId of [deletedRun, ...inExperiment]) {
      const mine = calls.map((c, i) => ({ ...c, outcome: outcomes[i] })).filter((c) => c.runId === runId)
      const ok = mine.filter((c) => c.outcome === 'ok').map((c) => c.step)
      for (const c of mine) {
        if (c.outcome === 'ok') continue
        expect(c.outcome).toBeInstanceOf(KeelError)
        expect((c.outcome as KeelError).message).toContain("must be in the 'active' state")
      }
      expect(ok).toEqual(expect.arrayContaining(Array.from({ length: 10 }, (_, i) => i)))
      expect(ok.filter((step) => step >= 40)).toEqual([])
      // Whole or nothing: the metric, the param and the tag of each acknowledged call, and of no other.
      expect(await metricRows(runId)).toEqual([...ok].sort((x, y) => x - y).map((step) => `m@${step}`))
      const params = await servers.a.db.selectFrom('params').select('key').where('run_uuid', '=', runId).execute()
      const tags = await servers.a.db.selectFrom('tags').select('key').where('run_uuid', '=', runId).execute()
      expect(params.map((p) => p.key).sort()).toEqual(ok.map((step) => `p${step}`).sort())
      expect(tags.map((t) => t.key).sort()).toEqual(ok.map((step) => `t${step}`).sort())
    }
  })

  it("writers of different runs overlap: one run's write commits while another run's transaction is open; same-run and exclusive writes wait", async () => {
    servers = await openTwoServers()
    const { experimentId, runIds } = await experimentWithRuns(2)
    const [held, other] = runIds as [string, string]
    const release = gate()
    const holding = gate()
    // Server a: a run-scoped write transaction on `held`, locked as the store locks it, left open.
    const holder = withRunWriteTransaction(servers.a.db, servers.a.ops, async (tx) => {
      await sql`SELECT 1 FROM runs WHERE run_uuid = ${held} FOR NO KEY UPDATE`.execute(tx)
      holding.open()
      await release.opened
    })
    await holding.opened

    // Another run's batch, through the other server, commits while that transaction is open.
    const b = store(servers.b)
    await b.runs.logBatch(other, batch({ metrics: [{ key: 'm', value: 1, step: 0, timestamp: 1 }] }))
    expect(await metricRows(other)).toEqual(['m@0'])

    // The same run's batch and a write under the exclusive lock (a run's creation) both wait.
    const sameRun = b.runs.logBatch(held, batch({ metrics: [{ key: 'm', value: 1, step: 0, timestamp: 1 }] }))
    const created = uid()
    const exclusive = b.runs.create({
      runId: created,
      experimentId,
      name: 'late',
      userId: 'tester',
      startTime: 1,
      artifactUri: `mlflow-artifacts:/${experimentId}/${created}/artifacts`,
      tags: [],
    })
    await untilWaiters(2)
    expect(await metricRows(held)).toEqual([])
    expect(await b.runs.getInfo(created)).toBeUndefined()

    release.open()
    await holder
    await sameRun
    await exclusive
    expect(await metricRows(held)).toEqual(['m@0'])
    expect((await b.runs.getInfo(created))?.runId).toBe(created)
  })
})
