#!/usr/bin/env node
// Runs every bench/*.bench.ts with tsx, one after the other, passing stdio through.
// `npm run bench` builds first. Extra arguments go to each benchmark, e.g.
//   npm run bench -- --only keel          (skip MLflow for a quick look)
//   KEEL_BENCH_ONLY=tracking npm run bench     (log-batch ingestion and runs/search against mlflow server, on SQLite then on PostgreSQL; SQLite stores cached in bench/results/cache)
//   KEEL_BENCH_ONLY=postgres npm run bench     (only the PostgreSQL runs: tracking-ingest-postgres, tracking-search-postgres)
//   KEEL_BENCH_ONLY=prediction npm run bench   (only bench/prediction.bench.ts; comma-separated names)
//   KEEL_BENCH_ONLY=monitoring npm run bench   (drift on 1M × 20 against Evidently; Evidently takes ~10 min)
//   KEEL_BENCH_ONLY=serving npm run bench      (keel models serve against mlflow models serve, ~10 min)
//   KEEL_BENCH_ONLY=pyfunc npm run bench       (python_function models: keel's Python workers against mlflow models serve, ~15 min)
//   KEEL_BENCH_ONLY=artifacts npm run bench    (a 1 GiB artifact up and down through the proxy, local folder and S3 on moto, against mlflow server; KEEL_BENCH_ARTIFACT_MB for a smaller file)
// Exits non-zero as soon as one benchmark fails.

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const BENCH_DIR = join(REPO_ROOT, 'bench')
const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx')

function log(message) {
  process.stderr.write(`[bench] ${message}\n`)
}

if (!existsSync(TSX)) {
  log(`ERROR: ${TSX} not found; run npm install first.`)
  process.exit(1)
}

const only = (process.env.KEEL_BENCH_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
// A benchmark answers to its name and to the part of it before the first '-' (pyfunc-serving: pyfunc);
// a PostgreSQL run (tracking-ingest-postgres) also to 'postgres'.
const selected = (name) =>
  only.includes(name) || only.includes(name.split('-')[0]) || (name.endsWith('-postgres') && only.includes('postgres'))
// The tracking benchmarks run a second time on PostgreSQL (`--backend postgres`: a throwaway cluster
// started by the benchmark), when PostgreSQL's server programs are installed (Debian: postgresql).
const POSTGRES_RUNS = ['tracking-ingest', 'tracking-search']
const DEBIAN_POSTGRES = '/usr/lib/postgresql'
const hasPostgres =
  (existsSync(DEBIAN_POSTGRES) &&
    readdirSync(DEBIAN_POSTGRES).some((v) => existsSync(join(DEBIAN_POSTGRES, v, 'bin', 'initdb')))) ||
  spawnSync('sh', ['-c', 'command -v initdb']).status === 0
const runs = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort()
  .flatMap((file) => {
    const name = file.replace(/\.bench\.ts$/, '')
    const plain = { name, file, args: [] }
    return POSTGRES_RUNS.includes(name)
      ? [plain, { name: `${name}-postgres`, file, args: ['--backend', 'postgres'] }]
      : [plain]
  })
  .filter((r) => only.length === 0 || selected(r.name))
  .filter((r) => {
    if (r.args.length === 0 || hasPostgres) return true
    log(`skipping ${r.name}: PostgreSQL's initdb was not found (Debian: apt-get install postgresql)`)
    return false
  })
if (runs.length === 0) {
  log(`ERROR: no bench/*.bench.ts found${only.length ? ` matching KEEL_BENCH_ONLY=${only.join(',')}` : ''}`)
  process.exit(1)
}

let current = null
let interrupted = false
// The benchmark stops its own servers on SIGINT/SIGTERM; pass the signal on and wait for it.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupted = true
    current?.kill(sig)
  })
}

function run({ file, args }) {
  return new Promise((resolvePromise) => {
    const child = spawn(TSX, [join(BENCH_DIR, file), ...args, ...process.argv.slice(2)], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    })
    current = child
    child.on('error', (err) => {
      log(`ERROR: could not run ${file}: ${err.message}`)
      resolvePromise(1)
    })
    child.on('exit', (code, signal) => {
      current = null
      resolvePromise(signal ? 1 : (code ?? 1))
    })
  })
}

for (const r of runs) {
  const label = [r.file, ...r.args].join(' ')
  log(`running ${label}`)
  const code = await run(r)
  if (code !== 0 || interrupted) {
    log(`${label} ${interrupted ? 'was interrupted' : `failed (exit code ${code})`}`)
    process.exit(code || 130)
  }
}
log(`done: ${runs.length} benchmark(s)`)
