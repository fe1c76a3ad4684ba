/**
 * Monitoring benchmark: a data drift report on 1,000,000 reference and 1,000,000 current rows of
 * 20 columns (12 numeric, 8 categorical with 3–50 categories, some nulls, shifts in a few),
 * generated with a fixed seed and written once as Parquet; keel's datasetDriftAsync (worker
 * threads) and Evidently 0.7.23's Report([DataDriftPreset()]) read the same files in the same run.
 * keel runs in a child process (its peak RSS is its own); so does Evidently (.venv/bin/python).
 * Per-column tests, scores and verdicts of both are compared.
 *
 *   KEEL_BENCH_ONLY=monitoring npm run bench
 *   node_modules/.bin/tsx bench/monitoring.bench.ts            (without the build step)
 *   node_modules/.bin/tsx bench/monitoring.bench.ts --only keel   (keel alone, no Evidently)
 *   KEEL_BENCH_DRIFT_ROWS=100000 ...                           (smaller; default 1,000,000)
 *   KEEL_BENCH_EVIDENTLY_TIMEOUT_S=3600 ...                    (default 2400 s at full size)
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import {
  closeDriftWorkers,
  datasetDrift,
  datasetDriftAsync,
  type DictionaryColumn,
  type DriftTable,
} from '@keel/monitoring'
import { benchLog, writeResults } from './lib/harness.js'
import { REPO_ROOT } from './lib/servers.js'
import { median } from './lib/stats.js'
import { fmt, fmtRatio, renderTable, type Cell } from './lib/table.js'

const ROWS = Number(process.env.KEEL_BENCH_DRIFT_ROWS ?? 1_000_000)
const EVIDENTLY_TIMEOUT_S = Number(process.env.KEEL_BENCH_EVIDENTLY_TIMEOUT_S ?? 2400)
const WARM_RUNS = 5
const ONLY_KEEL = process.argv.some((a, i) => a === '--only' && process.argv[i + 1] === 'keel')
const SEED = 20261127
const NUMERIC = Array.from({ length: 12 }, (_, j) => `n${j}`)
const CATEGORIES = [3, 5, 8, 12, 20, 30, 40, 50]
const CATEGORICAL = CATEGORIES.map((_, j) => `c${j}`)

const log = benchLog('monitoring')

// ---------------------------------------------------------------------------------------------
// Data: computed by DuckDB from hash(row, column, seed), so the same seed gives the same bytes on
// any thread count; written once as Parquet.

function columnsSql(side: 'ref' | 'cur'): string {
  const c = side === 'cur'
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
  const categorical = CATEGORIES.map((k, j) => {
    const skew = c && (j === 1 || j === 5) ? 2 : 1.3 // c1 and c5 re-weighted
    const pick = `'c${j}_' || floor(pow(u(i, ${20 + j}), ${skew}) * ${k})::INTEGER`
    return j === 2 || j === 6
      ? `CASE WHEN u(i, ${120 + j}) < 0.01 THEN NULL ELSE ${pick} END AS c${j}`
      : `${pick} AS c${j}`
  })
  return [...numeric, ...categorical].join(', ')
}

async function generate(dir: string): Promise<number> {
  const db = await DuckDBInstance.create(':memory:')
  const con = await db.connect()
  const t = performance.now()
  await con.run(
    `CREATE MACRO u(i, k) AS ((hash(i * 1000 + k + ${SEED}::BIGINT * 1000000000) % 2147483629)::DOUBLE + 0.5) / 2147483629`,
  )
  await con.run(`CREATE MACRO nrm(i, k) AS sqrt(-2 * ln(u(i, k))) * cos(2 * pi() * u(i, k + 500))`)
  for (const side of ['ref', 'cur'] as const) {
    const offset = side === 'ref' ? 0 : 100_000_000
    await con.run(
      `COPY (SELECT ${columnsSql(side)} FROM (SELECT range + ${offset} AS i FROM range(${ROWS}))) TO '${join(dir, `${side}.parquet`)}' (FORMAT parquet)`,
    )
  }
  con.closeSync()
  return performance.now() - t
}

// ---------------------------------------------------------------------------------------------
// keel's side (child process): Parquet → typed arrays through DuckDB (categoricals as ENUM codes,
// one dictionary per column over both files), then the drift report.

async function readSide(con: DuckDBConnection, file: string, dictionaries: Map<string, string[]>): Promise<DriftTable> {
  const select = [
    ...NUMERIC.map((n) => `coalesce(${n}, 'NaN'::DOUBLE)`),
    ...CATEGORICAL.map((c) => `coalesce(enum_code(${c}::e_${c})::INTEGER, -1)`),
  ].join(', ')
  const rows = Number((await con.runAndReadAll(`SELECT count(*) FROM read_parquet('${file}')`)).getRows()[0]![0])
  // in shared memory: datasetDriftAsync hands these to its workers without a copy
  const num = NUMERIC.map(() => new Float64Array(new SharedArrayBuffer(rows * 8)))
  const codes = CATEGORICAL.map(() => new Int32Array(new SharedArrayBuffer(rows * 4)))
  const result = await con.stream(`SELECT ${select} FROM read_parquet('${file}')`)
  let at = 0
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const n = chunk.rowCount
    num.forEach((out, j) => {
      const v = chunk.getColumnVector(j)
      for (let i = 0; i < n; i++) out[at + i] = v.getItem(i) as number
    })
    codes.forEach((out, j) => {
      const v = chunk.getColumnVector(NUMERIC.length + j)
      for (let i = 0; i < n; i++) out[at + i] = v.getItem(i) as number
    })
    at += n
  }
  const table: Record<string, Float64Array | DictionaryColumn> = {}
  NUMERIC.forEach((n, j) => {
    table[n] = num[j]!
  })
  CATEGORICAL.forEach((c, j) => {
    table[c] = { codes: codes[j]!, dictionary: dictionaries.get(c)! }
  })
  return table
}

async function readParquet(dir: string): Promise<{ reference: DriftTable; current: DriftTable }> {
  const db = await DuckDBInstance.create(':memory:')
  const con = await db.connect()
  const both = `read_parquet(['${join(dir, 'ref.parquet')}', '${join(dir, 'cur.parquet')}'])`
  const dictionaries = new Map<string, string[]>()
  for (const c of CATEGORICAL) {
    const values = (await con.runAndReadAll(`SELECT DISTINCT ${c} FROM ${both} WHERE ${c} IS NOT NULL ORDER BY 1`))
      .getRows()
      .map((r) => String(r[0]))
    dictionaries.set(c, values)
    await con.run(`CREATE TYPE e_${c} AS ENUM (${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')})`)
  }
  const reference = await readSide(con, join(dir, 'ref.parquet'), dictionaries)
  const current = await readSide(con, join(dir, 'cur.parquet'), dictionaries)
  con.closeSync()
  return { reference, current }
}

interface KeelColumn {
  test: string
  score: number
  drifted: boolean
}
interface KeelChild {
  read_ms: number
  first_ms: number
  warm_ms: number[]
  /** CPU time of the whole process (all threads) per warm report */
  warm_cpu_ms: number[]
  sync_ms: number
  end_to_end_ms: number
  max_rss_after_read_mb: number
  max_rss_mb: number
  workers: number
  columns: Record<string, KeelColumn>
  drifted: number
}

async function keelChild(dir: string): Promise<void> {
  const t0 = performance.now()
  const { reference, current } = await readParquet(dir)
  const readMs = performance.now() - t0
  const rssAfterRead = process.resourceUsage().maxRSS / 1024
  const t1 = performance.now()
  const first = await datasetDriftAsync(reference, current)
  const firstMs = performance.now() - t1
  const endToEnd = performance.now() - t0
  const warm: number[] = []
  const cpu: number[] = []
  for (let i = 0; i < WARM_RUNS; i++) {
    const t = performance.now()
    const c = process.cpuUsage()
    await datasetDriftAsync(reference, current)
    const used = process.cpuUsage(c)
    warm.push(performance.now() - t)
    cpu.push((used.user + used.system) / 1000)
  }
  await closeDriftWorkers()
  const t2 = performance.now()
  const sync = datasetDrift(reference, current)
  const syncMs = performance.now() - t2
  if (JSON.stringify(sync) !== JSON.stringify(first)) throw new Error('datasetDriftAsync and datasetDrift disagree')
  const columns: Record<string, KeelColumn> = {}
  for (const c of first.columns) {
    if (c.status !== 'ok') throw new Error(`column ${c.column}: ${c.error.message}`)
    columns[c.column] = { test: c.test, score: c.score, drifted: c.drifted }
  }
  const out: KeelChild = {
    read_ms: readMs,
    first_ms: firstMs,
    warm_ms: warm,
    warm_cpu_ms: cpu,
    sync_ms: syncMs,
    end_to_end_ms: endToEnd,
    max_rss_after_read_mb: rssAfterRead,
    max_rss_mb: process.resourceUsage().maxRSS / 1024,
    workers: availableParallelism(),
    columns,
    drifted: first.numberOfDriftedColumns,
  }
  process.stdout.write(JSON.stringify(out))
}

// ---------------------------------------------------------------------------------------------
// Evidently's side and the comparison.

interface EvidentlyOut {
  versions: Record<string, string>
  rows: number
  read_s: number
  run_s: number
  /** CPU time of the report (all threads) */
  run_cpu_s: number
  max_rss_mb: number
  columns: Record<string, { method: string; threshold: number; score: number }>
}

function runEvidently(dir: string, rows: number | undefined, timeoutS: number): EvidentlyOut | { timedOut: true } {
  const args = [
    join(REPO_ROOT, 'bench/python/drift_anchor.py'),
    join(dir, 'ref.parquet'),
    join(dir, 'cur.parquet'),
    JSON.stringify({ numerical: NUMERIC, categorical: CATEGORICAL }),
  ]
  if (rows !== undefined) args.push(String(rows))
  const r = spawnSync(join(REPO_ROOT, '.venv/bin/python'), args, {
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    maxBuffer: 64 * 1024 * 1024,
  })
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return { timedOut: true }
  if (r.status !== 0) throw new Error(`drift_anchor.py failed:\n${r.stderr}`)
  return JSON.parse(r.stdout) as EvidentlyOut
}

const EVIDENTLY_TEST: Record<string, string> = {
  'Wasserstein distance (normed)': 'wasserstein',
  'Jensen-Shannon distance': 'jensenshannon',
}

function compare(keel: Record<string, KeelColumn>, ev: EvidentlyOut): string[] {
  const problems: string[] = []
  for (const name of [...NUMERIC, ...CATEGORICAL]) {
    const k = keel[name]
    const e = ev.columns[name]
    if (!k || !e) {
      problems.push(`${name}: missing on ${k ? 'Evidently' : 'keel'}'s side`)
      continue
    }
    // both default tests here are distances: Evidently's verdict is score >= threshold
    const eDrifted = e.score >= e.threshold
    if (EVIDENTLY_TEST[e.method] !== k.test) problems.push(`${name}: test ${k.test} vs Evidently's ${e.method}`)
    if (Math.abs(k.score - e.score) > 1e-6 * Math.abs(e.score) + 1e-12)
      problems.push(`${name}: score ${k.score} vs Evidently's ${e.score}`)
    if (k.drifted !== eDrifted) problems.push(`${name}: drifted ${k.drifted} vs Evidently's ${eDrifted}`)
  }
  return problems
}

function spawnKeel(dir: string): KeelChild {
  const r = spawnSync(join(REPO_ROOT, 'node_modules/.bin/tsx'), [fileURLToPath(import.meta.url), '--keel-child', dir], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  if (r.status !== 0) throw new Error(`keel child failed:\n${r.stderr}`)
  return JSON.parse(r.stdout) as KeelChild
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-drift-'))
  try {
    log(`generating ${ROWS.toLocaleString('en')} + ${ROWS.toLocaleString('en')} rows × 20 columns as Parquet in ${dir}`)
    const genMs = await generate(dir)
    log(`generated in ${fmt(genMs / 1000)} s; keel (child process, ${availableParallelism()} workers)`)
    const keel = spawnKeel(dir)
    log(
      `keel: drift ${fmt(median(keel.warm_ms))} ms (median of ${WARM_RUNS}), CPU ${fmt(median(keel.warm_cpu_ms))} ms per report`,
    )
    if (ONLY_KEEL) {
      console.log(
        `\nkeel alone (--only keel), ${ROWS.toLocaleString('en')} + ${ROWS.toLocaleString('en')} rows × 20 columns, load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`,
      )
      console.log(
        `report ${fmt(median(keel.warm_ms))} ms (CPU ${fmt(median(keel.warm_cpu_ms))} ms), first ${fmt(keel.first_ms)} ms, single thread ${fmt(keel.sync_ms)} ms, read ${fmt(keel.read_ms)} ms, peak RSS ${fmt(keel.max_rss_mb, 0)} MB`,
      )
      return
    }
    log(`Evidently (timeout ${EVIDENTLY_TIMEOUT_S} s)`)
    let ev = runEvidently(dir, undefined, EVIDENTLY_TIMEOUT_S)
    let extrapolated = false
    let small: { ev: EvidentlyOut; rows: number } | undefined
    if ('timedOut' in ev) {
      const rows = Math.round(ROWS / 10)
      log(
        `Evidently did not finish within ${EVIDENTLY_TIMEOUT_S} s at ${ROWS} rows: running it at ${rows} rows and EXTRAPOLATING linearly`,
      )
      const e = runEvidently(dir, rows, EVIDENTLY_TIMEOUT_S)
      if ('timedOut' in e) throw new Error('Evidently timed out at a tenth of the rows too')
      small = { ev: e, rows }
      ev = {
        ...e,
        run_s: (e.run_s * ROWS) / rows,
        run_cpu_s: (e.run_cpu_s * ROWS) / rows,
        read_s: (e.read_s * ROWS) / rows,
      }
      extrapolated = true
    }
    const problems = small ? [] : compare(keel.columns, ev)
    const keelMs = median(keel.warm_ms)
    const evMs = ev.run_s * 1000
    const note = extrapolated ? ' (EXTRAPOLATED ×10 from 1/10 of the rows)' : ''
    const rows: Cell[][] = [
      ['drift report, data in memory', `${fmt(keelMs)} ms`, `${fmt(evMs)} ms${note}`, fmtRatio(evMs / keelMs)],
      [
        '  CPU time per report (all threads)',
        `${fmt(median(keel.warm_cpu_ms))} ms`,
        `${fmt(ev.run_cpu_s * 1000)} ms${note}`,
        fmtRatio((ev.run_cpu_s * 1000) / median(keel.warm_cpu_ms)),
      ],
      ['first report (workers starting)', `${fmt(keel.first_ms)} ms`, '', ''],
      ['single thread (datasetDrift)', `${fmt(keel.sync_ms)} ms`, '', fmtRatio(evMs / keel.sync_ms)],
      [
        'reading the Parquet files',
        `${fmt(keel.read_ms)} ms`,
        `${fmt(ev.read_s * 1000)} ms${note}`,
        fmtRatio((ev.read_s * 1000) / keel.read_ms),
      ],
      [
        'read + first report',
        `${fmt(keel.end_to_end_ms)} ms`,
        `${fmt((ev.read_s + ev.run_s) * 1000)} ms${note}`,
        fmtRatio(((ev.read_s + ev.run_s) * 1000) / keel.end_to_end_ms),
      ],
      [
        'peak RSS (process)',
        `${fmt(keel.max_rss_mb, 0)} MB (${fmt(keel.max_rss_after_read_mb, 0)} MB after reading)`,
        `${fmt(ev.max_rss_mb, 0)} MB${extrapolated ? ' (at 1/10 of the rows)' : ''}`,
        '',
      ],
    ]
    const load = loadavg()[0]!
    if (load > cpus().length)
      console.log(
        `\nNOTE: load average ${load.toFixed(1)} on ${cpus().length} CPUs: wall times include waiting for other processes; the CPU time is the load-independent figure`,
      )
    console.log(
      `\nData drift, ${ROWS.toLocaleString('en')} reference + ${ROWS.toLocaleString('en')} current rows × 20 columns (${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(1)})`,
    )
    console.log(renderTable(['measure', 'keel', `Evidently ${ev.versions.evidently}`, 'Evidently / keel'], rows))
    const goalTime = keelMs < 3000
    const goalRatio = evMs / keelMs >= 50
    console.log(
      `goals: under 3 s ${goalTime ? 'MET' : 'NOT MET'} (${fmt(keelMs)} ms); at least 50x Evidently ${goalRatio ? 'MET' : 'NOT MET'} (${fmtRatio(evMs / keelMs)})${note}`,
    )
    console.log(
      `drifted columns: keel ${keel.drifted}, Evidently ${Object.values(ev.columns).filter((c) => c.score >= c.threshold).length}`,
    )
    if (small) console.log('per-column agreement not checked at full size (Evidently ran on 1/10 of the rows)')
    else if (problems.length === 0)
      console.log('per-column tests, scores (1e-6 relative) and verdicts: keel and Evidently agree on all 20 columns')
    else for (const p of problems) console.log(`DISAGREEMENT ${p}`)
    const file = writeResults('monitoring', {
      rows: ROWS,
      generate_ms: genMs,
      keel,
      evidently: ev,
      evidently_small: small,
      extrapolated,
      problems,
      load: loadavg(),
    })
    log(`saved ${file}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === '--keel-child') await keelChild(process.argv[3]!)
else await main()
