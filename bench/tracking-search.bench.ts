/**
 * runs/search benchmark: keel vs stock MLflow (its defaults: `mlflow server` with 4 uvicorn workers)
 * on experiments of 1,000, 10,000 and 100,000 runs shaped like real ones (bench/lib/search-data.ts),
 * each server on its own SQLite store seeded once per size and cached (bench/lib/search-seed.ts).
 *
 *   node_modules/.bin/tsx bench/tracking-search.bench.ts [--only keel|mlflow] [--backend sqlite|postgres]
 *   KEEL_BENCH_SEARCH_SIZES=1000,10000 KEEL_BENCH_SEARCH_ROUNDS=3 ...
 *   KEEL_BENCH_SEARCH_SEED_ONLY=1 ...   (build the cached stores only; no timing; SQLite)
 *
 * `--backend postgres`: one throwaway PostgreSQL cluster for the run (durable: PostgreSQL's
 * defaults), each server on a database of its own seeded in the run (bench/lib/search-seed-postgres.ts;
 * nothing cached); sizes 1,000 and 10,000 unless KEEL_BENCH_SEARCH_SIZES says otherwise.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { benchLog, machine, runBench, stopServersOnSignals, writeResults } from './lib/harness.js'
import { Client } from './lib/http.js'
import { type Backend, type BenchPostgres, startBenchPostgres } from './lib/postgres.js'
import { trackingArgs } from './lib/tracking-args.js'
import { venvPython } from './lib/python.js'
import { searchSeedRuns } from './lib/search-data.js'
import { cacheDir, copyStore, schemaTag, SEED_VERSION, seededStore, start, type Target } from './lib/search-seed.js'
import { seedPostgres } from './lib/search-seed-postgres.js'
import { answerOf, MAX_RESULTS, payload, QUERIES, timeQueries, type QueryTiming } from './lib/search-workload.js'
import { type ServerHandle, stopAll } from './lib/servers.js'
import { round } from './lib/stats.js'
import { fmt, renderTable, type Cell } from './lib/table.js'

const log = benchLog('search')
const API = '/api/2.0/mlflow'

interface Args {
  targets: Target[]
  backend: Backend
  sizes: number[]
  rounds: number
}

function parseArgs(input: readonly string[]): Args {
  const { targets, backend } = trackingArgs(input, 'tracking-search.bench.ts')
  const defaultSizes = backend === 'postgres' ? '1000,10000' : '1000,10000,100000'
  const sizes = (process.env.KEEL_BENCH_SEARCH_SIZES ?? defaultSizes).split(',').map(Number)
  if (sizes.some((n) => !Number.isInteger(n) || n < 100)) throw new Error('KEEL_BENCH_SEARCH_SIZES: integers >= 100')
  const rounds = Number(process.env.KEEL_BENCH_SEARCH_ROUNDS ?? 5)
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('KEEL_BENCH_SEARCH_ROUNDS: an integer >= 1')
  return { targets, backend, sizes, rounds }
}

/** Requests per query per round: MLflow takes seconds per query at 100k runs. */
function plan(target: Target, size: number, rounds: number): { rounds: number; perRound: number; warmup: number } {
  if (target === 'keel') return { rounds, perRound: 20, warmup: 5 }
  return { rounds, perRound: size <= 1000 ? 10 : size <= 10_000 ? 4 : 2, warmup: size <= 10_000 ? 3 : 1 }
}

const uptime = (): string => execFileSync('uptime', { encoding: 'utf8' }).trim()

interface SizeResult {
  timing: Partial<Record<Target, Record<string, QueryTiming>>>
  answers: Partial<Record<Target, Record<string, { names: string[]; nextPage: boolean }>>>
  buildSeconds: Partial<Record<Target, number>>
  versions: Partial<Record<Target, string>>
  checks: Record<string, string>
}

async function benchSize(
  size: number,
  targets: Target[],
  rounds: number,
  python: string | undefined,
  pg: BenchPostgres | undefined,
): Promise<SizeResult> {
  const runs = searchSeedRuns(size)
  const out: SizeResult = { timing: {}, answers: {}, buildSeconds: {}, versions: {}, checks: {} }
  const connect = (url: string): Client => new Client(url, 4)
  for (const target of targets) {
    // SQLite: the cached store, copied, and a server started on the copy. PostgreSQL: a database
    // seeded now, and the server the seeder started on it.
    let server: ServerHandle
    let experimentId: string
    let cleanup: () => Promise<void>
    if (pg) {
      const store = await seedPostgres(target, pg, runs, python, connect, log)
      ;({ server, experimentId } = store)
      out.buildSeconds[target] = round(store.buildSeconds, 1)
      cleanup = store.remove
    } else {
      const store = await seededStore(target, runs, python, connect, log)
      out.buildSeconds[target] = round(store.buildSeconds, 1)
      const copy = copyStore(store)
      experimentId = store.experimentId
      server = await start(target, copy.file, python)
      const started = server
      cleanup = async () => {
        await started.stop()
        copy.remove()
      }
    }
    try {
      out.versions[target] = server.version
      const c = new Client(server.url, 1)
      const answers: Record<string, { names: string[]; nextPage: boolean }> = {}
      for (const q of QUERIES)
        answers[q.id] = answerOf((await c.send('POST', `${API}/runs/search`, payload(q, experimentId))).body)
      out.answers[target] = answers
      const p = plan(target, size, rounds)
      log(`${target} ${server.version}, ${size} runs: ${p.rounds} rounds x ${p.perRound} per query (${uptime()})`)
      out.timing[target] = await timeQueries(
        c,
        experimentId,
        server.pid,
        p,
        (r) => log(`  round ${r + 1} done`),
        pg?.cpuMs,
      )
      c.close()
    } finally {
      await cleanup()
    }
  }
  // MLflow's answers are kept beside the cache, so that a keel-only run is checked too.
  const answersFile = join(
    cacheDir(),
    `search-answers-${pg ? 'postgres-' : ''}${size}-s${SEED_VERSION}-${python ? schemaTag('mlflow', python) : 'none'}.json`,
  )
  const keel = out.answers.keel
  const mlflow =
    out.answers.mlflow ?? (existsSync(answersFile) ? JSON.parse(readFileSync(answersFile, 'utf8')) : undefined)
  if (out.answers.mlflow) writeFileSync(answersFile, `${JSON.stringify(out.answers.mlflow)}\n`)
  for (const q of QUERIES) {
    const k = keel?.[q.id]
    const m = mlflow?.[q.id] as { names: string[]; nextPage: boolean } | undefined
    out.checks[q.id] =
      !k || !m
        ? 'unchecked'
        : JSON.stringify(k) === JSON.stringify(m)
          ? `same ${k.names.length} runs`
          : `DIFFERENT (keel ${k.names.slice(0, 3).join(',')}… mlflow ${m.names.slice(0, 3).join(',')}…)`
  }
  return out
}

function report(
  sizes: number[],
  results: Map<number, SizeResult>,
  uptimes: string[],
  rounds: number,
  pg: BenchPostgres | undefined,
): Record<string, unknown> {
  const rows: Cell[][] = []
  const goals: string[] = []
  for (const size of sizes) {
    const r = results.get(size)
    if (!r) continue
    for (const q of QUERIES) {
      const k = r.timing.keel?.[q.id]
      const m = r.timing.mlflow?.[q.id]
      const ratios = k && m ? m.roundMediansMs.map((x, i) => x / (k.roundMediansMs[i] ?? Number.NaN)) : []
      const spread = (t?: QueryTiming): string =>
        t ? `${fmt(Math.min(...t.roundMediansMs))}–${fmt(Math.max(...t.roundMediansMs))}` : '-'
      rows.push([
        size.toLocaleString('en-US'),
        q.label,
        k ? fmt(k.latencyMs.p50) : '-',
        spread(k),
        k ? fmt(k.latencyMs.p99) : '-',
        m ? fmt(m.latencyMs.p50) : '-',
        spread(m),
        m ? fmt(m.latencyMs.p99) : '-',
        k && m
          ? `${fmt(m.latencyMs.p50 / k.latencyMs.p50, 1)}x (${fmt(Math.min(...ratios), 1)}–${fmt(Math.max(...ratios), 1)})`
          : '-',
        k ? fmt(k.cpuMsPerQuery) : '-',
        m ? fmt(m.cpuMsPerQuery) : '-',
        ...(pg
          ? [
              `${k ? fmt(k.databaseCpuMsPerQuery ?? Number.NaN) : '-'} / ${m ? fmt(m.databaseCpuMsPerQuery ?? Number.NaN) : '-'}`,
            ]
          : []),
        r.checks[q.id] ?? '',
      ])
      if (k && size <= 1000)
        goals.push(
          `${size} ${q.id}: keel p50 ${fmt(k.latencyMs.p50)} ms < 10 ms ${k.latencyMs.p50 < 10 ? 'MET' : 'NOT MET'}`,
        )
      if (k && size >= 100_000 && q.id !== 'default')
        goals.push(
          `${size} ${q.id}: keel p50 ${fmt(k.latencyMs.p50)} ms < 20 ms ${k.latencyMs.p50 < 20 ? 'MET' : 'NOT MET'}`,
        )
      // On PostgreSQL the goal is 20x at every size measured (1k and 10k by default).
      if (k && m && (size >= 10_000 || pg)) {
        const ratio = m.latencyMs.p50 / k.latencyMs.p50
        goals.push(`${size} ${q.id}: ${fmt(ratio, 1)}x MLflow >= 20x ${ratio >= 20 ? 'MET' : 'NOT MET'}`)
      }
    }
  }
  const header = [
    'runs',
    'query',
    'keel p50',
    'keel rounds',
    'keel p99',
    'mlflow p50',
    'mlflow rounds',
    'mlflow p99',
    'mlflow/keel p50',
    'keel CPU/q',
    'mlflow CPU/q',
    ...(pg ? ['PostgreSQL CPU/q keel / mlflow'] : []),
    'answers',
  ]
  const anyRes = [...results.values()][0]
  console.log(
    `\nruns/search on ${pg ? `PostgreSQL ${pg.version} (durable: PostgreSQL's defaults)` : 'SQLite'}: keel ${anyRes?.versions.keel ?? '(skipped)'} vs MLflow ${anyRes?.versions.mlflow ?? '(skipped)'} (defaults), ${MAX_RESULTS} results per query, ${rounds} rounds; ms`,
  )
  console.log(`\n${renderTable(header, rows)}\n`)
  for (const g of goals) console.log(`goal ${g}`)
  for (const u of uptimes) console.log(`uptime: ${u}`)
  const json = (t: Record<string, QueryTiming> | undefined) =>
    t &&
    Object.fromEntries(
      Object.entries(t).map(([id, v]) => [
        id,
        {
          latencyMs: Object.fromEntries(Object.entries(v.latencyMs).map(([key, x]) => [key, round(x, 3)])),
          roundMediansMs: v.roundMediansMs.map((x) => round(x, 3)),
          cpuMsPerQuery: round(v.cpuMsPerQuery, 3),
          ...(v.databaseCpuMsPerQuery !== undefined && { databaseCpuMsPerQuery: round(v.databaseCpuMsPerQuery, 3) }),
        },
      ]),
    )
  return {
    benchmark: 'tracking-search',
    backend: pg ? 'postgres' : 'sqlite',
    ...(pg && { postgres: { version: pg.version, durable: true } }),
    date: new Date().toISOString(),
    machine: machine(),
    uptime: uptimes,
    queries: QUERIES,
    rounds,
    results: Object.fromEntries(
      [...results].map(([size, r]) => [
        size,
        {
          keel: json(r.timing.keel),
          mlflow: json(r.timing.mlflow),
          checks: r.checks,
          buildSeconds: r.buildSeconds,
          versions: r.versions,
        },
      ]),
    ),
    goals,
  }
}

async function main(): Promise<void> {
  const { targets, backend, sizes, rounds } = parseArgs(process.argv.slice(2))
  stopServersOnSignals(log)
  const python = venvPython()
  const uptimes = [uptime()]
  const results = new Map<number, SizeResult>()
  if (process.env.KEEL_BENCH_SEARCH_SEED_ONLY === '1') {
    if (backend === 'postgres') throw new Error('KEEL_BENCH_SEARCH_SEED_ONLY: nothing is cached on PostgreSQL')
    // Builds the cached stores (no timing, so no need for the benchmark lock), then stops.
    for (const size of sizes)
      for (const target of targets)
        await seededStore(target, searchSeedRuns(size), python, (url) => new Client(url, 4), log)
    return
  }
  let pg: BenchPostgres | undefined
  try {
    if (backend === 'postgres') {
      pg = await startBenchPostgres()
      log(`PostgreSQL ${pg.version} on port ${pg.cluster.port} (durable: fsync and full_page_writes on)`)
    }
    for (const size of sizes) {
      results.set(size, await benchSize(size, targets, rounds, python, pg))
      uptimes.push(uptime())
    }
  } finally {
    await stopAll()
    pg?.destroy()
  }
  const name = pg ? 'tracking-search-postgres' : 'tracking-search'
  console.log(`results: ${writeResults(name, report(sizes, results, uptimes, rounds, pg))}`)
}

runBench('search', main)
