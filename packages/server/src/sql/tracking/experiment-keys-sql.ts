/**
 * The distinct param, metric and tag keys of an experiment's active runs, without reading all its
 * runs' rows. Per table:
 *
 * 1. The table's distinct keys over all experiments: a loose scan of its (key, value, run_uuid)
 *    index (a recursive query jumps from one key to the next); the cost grows with the number of
 *    distinct keys, not with the number of rows.
 * 2. For each key, whether an active run of the experiment has it, cheapest test first:
 *    - the experiment's first RUN_PROBE runs, each a lookup of the (run_uuid, key) primary key:
 *      answers the experiment's own keys (almost every run has them), and every key of an
 *      experiment with at most RUN_PROBE runs;
 *    - the key's first KEY_PROBE index entries: answers a small key of other experiments (absent);
 *    - else a walk of the experiment's runs that stops at the first one with the key.
 *
 * Measured on 100,000 runs with 10 metrics, 5 params and 2 tags (and another experiment of 20,000
 * runs with its own keys): see the EXPLAIN notes in bench/README.md ("Runs table"). The naive
 * `SELECT DISTINCT key … JOIN runs` reads every row of the experiment (~1 s there). The remaining
 * slow case is a key that other experiments logged more than KEY_PROBE times: proving it absent
 * walks this experiment's runs (~60 ms per such key at 100,000 runs).
 */
import { sql, type Kysely } from 'kysely'
import type { ExperimentKeys } from '../../tracking/tracking-store.js'
import type { Database } from '../database.js'

const RUN_PROBE = 50
const KEY_PROBE = 200

type KeyTable = 'params' | 'latest_metrics' | 'tags'

async function allKeys(db: Kysely<Database>, table: KeyTable): Promise<string[]> {
  const t = sql.table(table)
  const result = await sql<{ key: string | null }>`WITH RECURSIVE k(key) AS (
      SELECT (SELECT f.key FROM ${t} f ORDER BY f.key LIMIT 1)
      UNION ALL
      SELECT (SELECT n.key FROM ${t} n WHERE n.key > k.key ORDER BY n.key LIMIT 1) FROM k WHERE k.key IS NOT NULL
    )
    SELECT key FROM k WHERE key IS NOT NULL`.execute(db)
  return result.rows.flatMap((r) => (r.key === null ? [] : [r.key]))
}

async function hasKey(
  db: Kysely<Database>,
  table: KeyTable,
  key: string,
  experimentId: number,
  small: boolean,
): Promise<boolean> {
  const t = sql.table(table)
  const first = await sql<{ one: number }>`SELECT 1 AS one FROM (
      SELECT r.run_uuid FROM runs r WHERE r.experiment_id = ${experimentId} AND r.lifecycle_stage = 'active' LIMIT ${RUN_PROBE}
    ) s WHERE EXISTS (SELECT 1 FROM ${t} x WHERE x.run_uuid = s.run_uuid AND x.key = ${key}) LIMIT 1`.execute(db)
  if (first.rows.length > 0) return true
  if (small) return false
  const probe = await sql<{ n: number | string; hit: number | string | null }>`SELECT COUNT(*) AS n,
      MAX(CASE WHEN r.experiment_id = ${experimentId} AND r.lifecycle_stage = 'active' THEN 1 ELSE 0 END) AS hit
    FROM (SELECT x.run_uuid FROM ${t} x WHERE x.key = ${key} LIMIT ${KEY_PROBE}) s
    JOIN runs r ON r.run_uuid = s.run_uuid`.execute(db)
  const row = probe.rows[0]
  if (row && Number(row.hit) === 1) return true
  if (!row || Number(row.n) < KEY_PROBE) return false
  const walk = await sql<{ one: number }>`SELECT 1 AS one FROM runs r
    WHERE r.experiment_id = ${experimentId} AND r.lifecycle_stage = 'active'
      AND EXISTS (SELECT 1 FROM ${t} x WHERE x.run_uuid = r.run_uuid AND x.key = ${key})
    LIMIT 1`.execute(db)
  return walk.rows.length > 0
}

async function keysOf(db: Kysely<Database>, table: KeyTable, experimentId: number, small: boolean): Promise<string[]> {
  const found: string[] = []
  for (const key of await allKeys(db, table)) if (await hasKey(db, table, key, experimentId, small)) found.push(key)
  return found.sort()
}

export async function experimentKeys(db: Kysely<Database>, experimentId: number): Promise<ExperimentKeys> {
  // An experiment of at most RUN_PROBE active runs is answered by the first test alone.
  const sample = await sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM (
      SELECT r.run_uuid FROM runs r WHERE r.experiment_id = ${experimentId} AND r.lifecycle_stage = 'active' LIMIT ${RUN_PROBE + 1}
    ) s`.execute(db)
  const small = Number(sample.rows[0]?.n ?? 0) <= RUN_PROBE
  return {
    params: await keysOf(db, 'params', experimentId, small),
    metrics: await keysOf(db, 'latest_metrics', experimentId, small),
    tags: await keysOf(db, 'tags', experimentId, small),
  }
}
