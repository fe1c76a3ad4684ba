/**
 * Monitoring benchmark: data drift on 1,000,000 reference and 1,000,000 current rows of 20 columns,
 * keel against Evidently 0.7.23 (Report([DataDriftPreset()])) on the same files in the same run.
 *
 * Two data shapes (bench/lib/drift-data.ts), generated with a fixed seed and written once:
 * `mixed` (12 numeric, 8 short categorical columns) as Parquet, and `strings` (14 skewed floats
 * with nulls, 6 string categoricals with skewed frequencies and nulls) as Parquet and as CSV.
 *
 * 1. End to end, what a user runs: `keel monitor drift -r REF -c CUR --json` (the built CLI,
 *    spawned; wall time around the spawn, CPU time and peak RSS from /usr/bin/time), several
 *    rounds per shape and format, against Evidently's read (pd.read_parquet / pd.read_csv) plus
 *    report, each in its own process.
 * 2. In memory (mixed shape): a child process reads the Parquet files into typed arrays, then
 *    times datasetDriftAsync (worker threads) and datasetDrift (one thread) on them.
 * Per-column tests, scores and verdicts of keel and Evidently are compared for every case.
 *
 *   KEEL_BENCH_ONLY=monitoring npm run bench
 *   node_modules/.bin/tsx bench/monitoring.bench.ts            (after a build: the CLI runs from dist)
 *   node_modules/.bin/tsx bench/monitoring.bench.ts --only keel   (keel alone, no Evidently)
 *   KEEL_BENCH_DRIFT_ROWS=100000 ...                           (smaller; default 1,000,000 per side)
 *   KEEL_BENCH_DRIFT_ROUNDS=5 ...                              (CLI rounds per case; default 5)
 *   KEEL_BENCH_EVIDENTLY_TIMEOUT_S=3600 ...                    (default 2400 s per case)
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import {
  closeDriftWorkers,
  datasetDrift,
  datasetDriftAsync,
  type DictionaryColumn,
  type DriftTable,
} from '@keel/monitoring'
import { driftFile, type DriftFormat, type DriftShape, generateDriftData, SHAPES } from './lib/drift-data.js'
import {
  compareDrift,
  evidentlyOrExtrapolated,
  type CliRounds,
  type EvidentlyOut,
  type KeelColumn,
  runKeelCli,
} from './lib/drift-e2e.js'
import { benchLog, writeResults } from './lib/harness.js'
import { REPO_ROOT } from './lib/servers.js'
import { median } from './lib/stats.js'
import { fmt, fmtRatio, renderTable, type Cell } from './lib/table.js'

const ROWS = Number(process.env.KEEL_BENCH_DRIFT_ROWS ?? 1_000_000)
const ROUNDS = Number(process.env.KEEL_BENCH_DRIFT_ROUNDS ?? 5)
const EVIDENTLY_TIMEOUT_S = Number(process.env.KEEL_BENCH_EVIDENTLY_TIMEOUT_S ?? 2400)
const WARM_RUNS = 5
const ONLY_KEEL = process.argv.some((a, i) => a === '--only' && process.argv[i + 1] === 'keel')
const NUMERIC = SHAPES.mixed.numerical
const CATEGORICAL = SHAPES.mixed.categorical
/** The end-to-end cases: shape and file format. */
const CASES: { shape: DriftShape; format: DriftFormat }[] = [
  { shape: 'mixed', format: 'parquet' },
  { shape: 'strings', format: 'parquet' },
  { shape: 'strings', format: 'csv' },
]

const log = benchLog('monitoring')

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
  const both = `read_parquet(['${driftFile(dir, 'mixed', 'ref', 'parquet')}', '${driftFile(dir, 'mixed', 'cur', 'parquet')}'])`
  const dictionaries = new Map<string, string[]>()
  for (const c of CATEGORICAL) {
    const values = (await con.runAndReadAll(`SELECT DISTINCT ${c} FROM ${both} WHERE ${c} IS NOT NULL ORDER BY 1`))
      .getRows()
      .map((r) => String(r[0]))
    dictionaries.set(c, values)
    await con.run(`CREATE TYPE e_${c} AS ENUM (${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')})`)
  }
  const reference = await readSide(con, driftFile(dir, 'mixed', 'ref', 'parquet'), dictionaries)
  const current = await readSide(con, driftFile(dir, 'mixed', 'cur', 'parquet'), dictionaries)
  con.closeSync()
  return { reference, current }
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
// The run: data, the in-memory child, then each end-to-end case (keel's rounds, then Evidently).

function spawnKeel(dir: string): KeelChild {
  const r = spawnSync(join(REPO_ROOT, 'node_modules/.bin/tsx'), [fileURLToPath(import.meta.url), '--keel-child', dir], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  if (r.status !== 0) throw new Error(`keel child failed:\n${r.stderr}`)
  return JSON.parse(r.stdout) as KeelChild
}

interface CaseResult {
  shape: DriftShape
  format: DriftFormat
  keel: CliRounds
  evidently?: EvidentlyOut
  extrapolated: boolean
  problems: string[]
}

const spread = (xs: number[], digits = 0) =>
  `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')

function runCase(dir: string, shape: DriftShape, format: DriftFormat): CaseResult {
  const ref = driftFile(dir, shape, 'ref', format)
  const cur = driftFile(dir, shape, 'cur', format)
  log(`keel monitor drift, ${shape} ${format}: ${ROUNDS} rounds (load ${load()})`)
  const keel = runKeelCli(ref, cur, ROUNDS)
  log(`  wall ${spread(keel.wall_ms)} ms, CPU ${spread(keel.cpu_ms)} ms, peak RSS ${spread(keel.max_rss_mb)} MB`)
  if (ONLY_KEEL) return { shape, format, keel, extrapolated: false, problems: [] }
  log(`Evidently read + report, ${shape} ${format} (timeout ${EVIDENTLY_TIMEOUT_S} s, load ${load()})`)
  const spec = SHAPES[shape]
  const { ev, extrapolated } = evidentlyOrExtrapolated(ref, cur, spec, ROWS, EVIDENTLY_TIMEOUT_S, log)
  log(`  read ${fmt(ev.read_s, 1)} s + report ${fmt(ev.run_s, 1)} s`)
  const problems = extrapolated ? [] : compareDrift(keel.columns, ev, spec)
  return { shape, format, keel, evidently: ev, extrapolated, problems }
}

function endToEndTable(cases: CaseResult[]): string {
  const rows: Cell[][] = cases.map((c) => {
    const keelMs = median(c.keel.wall_ms)
    const ev = c.evidently
    const evMs = ev ? (ev.read_s + ev.run_s) * 1000 : Number.NaN
    return [
      `${c.shape}, ${c.format}`,
      `${spread(c.keel.wall_ms)} ms`,
      `${spread(c.keel.cpu_ms)} ms`,
      `${fmt(median(c.keel.max_rss_mb), 0)} MB`,
      ev
        ? `${fmt(evMs)} ms (read ${fmt(ev.read_s * 1000, 0)} + report ${fmt(ev.run_s * 1000, 0)})${c.extrapolated ? ' EXTRAPOLATED' : ''}`
        : '',
      ev ? `${fmt(ev.max_rss_mb, 0)} MB` : '',
      ev ? fmtRatio(evMs / keelMs) : '',
    ]
  })
  return renderTable(
    [
      'files (1 reference + 1 current)',
      `keel monitor drift --json, wall, median (min–max) of ${ROUNDS}`,
      'keel CPU (all threads)',
      'keel peak RSS',
      'Evidently read + report (1 run)',
      'Evidently peak RSS',
      'Evidently / keel',
    ],
    rows,
  )
}

function inMemoryTable(keel: KeelChild, ev: EvidentlyOut | undefined): string {
  const keelMs = median(keel.warm_ms)
  const evMs = ev ? ev.run_s * 1000 : Number.NaN
  const evCell = (ms: number) => (ev ? `${fmt(ms)} ms` : '')
  const ratio = (x: number) => (ev ? fmtRatio(x) : '')
  const rows: Cell[][] = [
    ['drift report, data in memory (median of 5)', `${fmt(keelMs)} ms`, evCell(evMs), ratio(evMs / keelMs)],
    [
      '  CPU time per report (all threads)',
      `${fmt(median(keel.warm_cpu_ms))} ms`,
      evCell((ev?.run_cpu_s ?? 0) * 1000),
      ratio(((ev?.run_cpu_s ?? 0) * 1000) / median(keel.warm_cpu_ms)),
    ],
    ['first report (workers starting)', `${fmt(keel.first_ms)} ms`, '', ''],
    ['single thread (datasetDrift)', `${fmt(keel.sync_ms)} ms`, '', ratio(evMs / keel.sync_ms)],
    ['peak RSS of the child', `${fmt(keel.max_rss_mb, 0)} MB`, ev ? `${fmt(ev.max_rss_mb, 0)} MB` : '', ''],
  ]
  return renderTable(['measure (mixed shape)', 'keel', 'Evidently', 'Evidently / keel'], rows)
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-drift-'))
  try {
    const n = ROWS.toLocaleString('en')
    log(`generating ${n} + ${n} rows × 20 columns in ${dir}: mixed (Parquet), strings (Parquet and CSV)`)
    const genMs =
      (await generateDriftData(dir, 'mixed', ROWS, ['parquet'])) +
      (await generateDriftData(dir, 'strings', ROWS, ['parquet', 'csv']))
    log(`generated in ${fmt(genMs / 1000)} s; in-memory child (${availableParallelism()} workers, load ${load()})`)
    const child = spawnKeel(dir)
    log(
      `in memory: ${fmt(median(child.warm_ms))} ms (median of ${WARM_RUNS}), CPU ${fmt(median(child.warm_cpu_ms))} ms`,
    )
    const cases = CASES.map((c) => runCase(dir, c.shape, c.format))
    const mixedEv = cases.find((c) => c.shape === 'mixed')?.evidently

    console.log(
      `\nData drift end to end, ${n} reference + ${n} current rows × 20 columns (${cpus().length} CPUs, load ${load()})`,
    )
    console.log(endToEndTable(cases))
    console.log(
      `\nThe report on data already in memory (mixed shape, Parquet read by the child in ${fmt(child.read_ms)} ms)`,
    )
    console.log(inMemoryTable(child, mixedEv))
    for (const c of cases) {
      const keelMs = median(c.keel.wall_ms)
      const ev = c.evidently
      const ratio = ev ? ((ev.read_s + ev.run_s) * 1000) / keelMs : Number.NaN
      const goals = `under 3 s ${keelMs < 3000 ? 'MET' : 'NOT MET'} (${fmt(keelMs)} ms)${ev ? `; at least 50x Evidently ${ratio >= 50 ? 'MET' : 'NOT MET'} (${fmtRatio(ratio)})` : ''}`
      const agreement = !ev
        ? ''
        : c.extrapolated
          ? '; agreement not checked (Evidently ran on 1/10 of the rows)'
          : c.problems.length === 0
            ? `; tests, scores (1e-6 relative) and verdicts agree on all 20 columns (${c.keel.drifted} drifted)`
            : `; ${c.problems.length} DISAGREEMENTS`
      console.log(`${c.shape}, ${c.format}: ${goals}${agreement}`)
      for (const p of c.problems) console.log(`  DISAGREEMENT ${p}`)
    }
    if (child.drifted !== cases[0]?.keel.drifted)
      console.log('NOTE: the in-memory child and the CLI disagree on the drifted count')
    const file = writeResults('monitoring', {
      rows: ROWS,
      rounds: ROUNDS,
      generate_ms: genMs,
      in_memory: child,
      cases,
      load: loadavg(),
    })
    log(`saved ${file}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === '--keel-child') await keelChild(process.argv[3]!)
else await main()
