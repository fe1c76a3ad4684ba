/**
 * The monitoring benchmark's data (bench/monitoring.bench.ts): two shapes of 20 columns, every cell
 * computed by DuckDB from hash(row, column, seed) (the same bytes on any thread count), written once
 * as a reference and a current file (Parquet, or CSV with a header).
 *
 * - `mixed`: 12 numeric columns (normal, log-normal, uniform, exponential, integer-valued, a
 *   two-mode mixture...; 2% nulls in two; shifts in a few) and 8 categorical ones with 3–50
 *   categories named like 'c1_4' (skewed; 1% nulls in two; c1 and c5 re-weighted in current).
 * - `strings`: 14 float columns (prices, latencies, ratios, counts as floats; log-normal and other
 *   skewed ones, 1–8% nulls in six; shifts in four) and 6 string categoricals of 4–300 values with
 *   longer, realistic names ('country_FR…', 'Mozilla/5.0 … build 123') and Zipf-like frequencies,
 *   2–10% nulls in four, two re-weighted and one gaining new values in current.
 */
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'

export type DriftShape = 'mixed' | 'strings'
export type DriftFormat = 'parquet' | 'csv'

export const SEED = 20261127

export interface ShapeSpec {
  numerical: string[]
  categorical: string[]
}

const MIXED_CATEGORIES = [3, 5, 8, 12, 20, 30, 40, 50]

export const SHAPES: Record<DriftShape, ShapeSpec> = {
  mixed: {
    numerical: Array.from({ length: 12 }, (_, j) => `n${j}`),
    categorical: MIXED_CATEGORIES.map((_, j) => `c${j}`),
  },
  strings: {
    numerical: [
      'price',
      'latency_ms',
      'ratio',
      'amount',
      'score',
      'age',
      'balance',
      'duration_s',
      'temperature',
      'clicks',
      'discount',
      'weight_kg',
      'distance_km',
      'rating',
    ],
    categorical: ['country', 'device', 'browser', 'plan', 'channel', 'city'],
  },
}

function mixedSql(c: boolean): string {
  const numeric = [
    `nrm(i, 1) + ${c ? 0.25 : 0} AS n0`, // shifted
    `CASE WHEN u(i, 102) < 0.02 THEN NULL ELSE nrm(i, 2) * 2 + 10 END AS n1`,
    `exp(nrm(i, 3) * ${c ? 1.1 : 1}) AS n2`, // log-normal, wider
    `u(i, 4) * 100 AS n3`,
    `nrm(i, 5) * ${c ? 1.3 : 1} AS n4`, // scaled
    `CASE WHEN u(i, 106) < 0.02 THEN NULL ELSE -ln(u(i, 6)) END AS n5`,
    `round(nrm(i, 7) * 10)::DOUBLE AS n6`, // integer-valued
    `nrm(i, 8) + ${c ? 0.05 : 0} AS n7`,
    `CASE WHEN u(i, 109) < 0.3 THEN nrm(i, 9) - 3 ELSE nrm(i, 9) + ${c ? 2.4 : 2} END AS n8`, // mixture, one mode moved
    `pow(u(i, 10), 2) AS n9`,
    `nrm(i, 11) + ${c ? 0.12 : 0} AS n10`,
    `u(i, 12) * 2 - 1 AS n11`,
  ]
  const categorical = MIXED_CATEGORIES.map((k, j) => {
    const skew = c && (j === 1 || j === 5) ? 2 : 1.3 // c1 and c5 re-weighted
    const pick = `'c${j}_' || floor(pow(u(i, ${20 + j}), ${skew}) * ${k})::INTEGER`
    return j === 2 || j === 6
      ? `CASE WHEN u(i, ${120 + j}) < 0.01 THEN NULL ELSE ${pick} END AS c${j}`
      : `${pick} AS c${j}`
  })
  return [...numeric, ...categorical].join(', ')
}

/** NULL in a share of the rows, else `value`. */
const nulls = (k: number, share: number, value: string) =>
  `CASE WHEN u(i, ${300 + k}) < ${share} THEN NULL ELSE ${value} END`

function stringsSql(c: boolean): string {
  const numeric = [
    `${nulls(1, 0.03, `round(exp(3 + nrm(i, 31) * ${c ? 0.9 : 0.8}), 2)`)} AS price`, // log-normal, wider
    `${nulls(2, 0.05, `exp(4 + nrm(i, 32) * 1.2) + ${c ? 15 : 0}`)} AS latency_ms`, // heavy tail, shifted
    `pow(u(i, 33), 3) AS ratio`,
    `round(-ln(u(i, 34)) * 250, 2) AS amount`,
    `nrm(i, 35) * 15 + 600 AS score`,
    `${nulls(6, 0.08, `floor(18 + pow(u(i, 36), 1.7) * 70)::DOUBLE`)} AS age`, // integers as floats
    `CASE WHEN u(i, 37) < 0.2 THEN 0 ELSE exp(7 + nrm(i, 38) * 2) END AS balance`, // zero-inflated
    `-ln(u(i, 39)) * ${c ? 40 : 35} AS duration_s`, // scaled
    `${nulls(10, 0.01, `nrm(i, 40) * 8 + 12`)} AS temperature`,
    `floor(-ln(u(i, 41)) * 3)::DOUBLE AS clicks`,
    `CASE WHEN u(i, 42) < 0.7 THEN 0 ELSE round(u(i, 43) * 0.5, 2) END AS discount`,
    `${nulls(12, 0.02, `exp(4.2 + nrm(i, 44) * 0.25) + ${c ? 1.5 : 0}`)} AS weight_kg`, // small shift
    `pow(u(i, 45), 4) * 500 AS distance_km`,
    `${nulls(14, 0.04, `least(5, greatest(1, round(4 + nrm(i, 46) * 0.9, 1)))`)} AS rating`,
  ]
  // Zipf-like: floor(k * u^p) with p > 1 favours the first values
  const pick = (k: number, kk: number, p: number) => `floor(pow(u(i, ${kk}), ${p}) * ${k})::INTEGER`
  const countries = `'country_' || ['US','GB','DE','FR','IN','BR','JP','CA','AU','ES','IT','MX','NL','SE','PL','KR','TR','AR','ZA','NG','EG','ID','VN','PH','TH','CO','CL','PE','BE','CH','AT','DK','NO','FI','IE','PT','GR','CZ','HU','RO'][${pick(40, 51, c ? 2.6 : 2.2)} + 1]`
  const categorical = [
    `${nulls(21, 0.02, countries)} AS country`, // re-weighted
    `['desktop','mobile','tablet','tv'][${pick(4, 52, 1.5)} + 1] AS device`,
    `${nulls(23, 0.05, `'Mozilla/5.0 (' || ['Windows NT 10.0','Macintosh','X11; Linux','iPhone','Android 14'][${pick(5, 53, 1.4)} + 1] || ') build ' || ${pick(60, 54, 2)}`)} AS browser`,
    `['free','basic','pro','team','enterprise','legacy-2019'][${pick(6, 55, c ? 2.5 : 1.8)} + 1] AS plan`, // re-weighted
    `${nulls(25, 0.1, `['organic','paid_search','social','email','referral','affiliate','display','partner_api'][${pick(8, 56, 1.6)} + 1]`)} AS channel`,
    `${nulls(26, 0.03, `'city_' || (${pick(c ? 330 : 300, 57, 3)} * 7919 % 100003)::VARCHAR`)} AS city`, // new values in current
  ]
  return [...numeric, ...categorical].join(', ')
}

/** The file of a side: ref.parquet, cur.csv... */
export function driftFile(dir: string, shape: DriftShape, side: 'ref' | 'cur', format: DriftFormat): string {
  return join(dir, `${shape}-${side}.${format}`)
}

/** Writes both sides of a shape in each format asked for; returns the time taken (ms). */
export async function generateDriftData(
  dir: string,
  shape: DriftShape,
  rows: number,
  formats: readonly DriftFormat[],
): Promise<number> {
  const db = await DuckDBInstance.create(':memory:')
  const con = await db.connect()
  const t = performance.now()
  await con.run(
    `CREATE MACRO u(i, k) AS ((hash(i * 1000 + k + ${SEED}::BIGINT * 1000000000) % 2147483629)::DOUBLE + 0.5) / 2147483629`,
  )
  await con.run(`CREATE MACRO nrm(i, k) AS sqrt(-2 * ln(u(i, k))) * cos(2 * pi() * u(i, k + 500))`)
  for (const side of ['ref', 'cur'] as const) {
    const offset = side === 'ref' ? 0 : 100_000_000
    const columns = shape === 'mixed' ? mixedSql(side === 'cur') : stringsSql(side === 'cur')
    await con.run(
      `CREATE TABLE t AS SELECT ${columns} FROM (SELECT range + ${offset} AS i FROM range(${rows})) ORDER BY i`,
    )
    for (const format of formats)
      await con.run(
        `COPY t TO '${driftFile(dir, shape, side, format)}' (FORMAT ${format}${format === 'csv' ? ', HEADER' : ''})`,
      )
    await con.run('DROP TABLE t')
  }
  con.closeSync()
  db.closeSync()
  return performance.now() - t
}
