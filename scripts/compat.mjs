#!/usr/bin/env node
// Runs the MLflow Python client compatibility suite (python/compat) against `keel server`.
//
//   node scripts/compat.mjs [extra pytest args...]     e.g. -k search -x
//
// Ensures the repo's .venv (scripts/python-env.mjs), then runs
//   .venv/bin/python -m pytest python/compat -q
// with KEEL_REPO=<repo root>; the conftest starts the built server (npm run build first).
// Set KEEL_COMPAT_URL=http://host:port to run against an already running server instead.
//   node scripts/compat.mjs --postgres [pytest args...]
// runs the suite with every keel server it starts on PostgreSQL: a throwaway cluster
// (packages/server/test/support/postgres-cluster-main.ts, initdb/pg_ctl in a temp folder) started
// here and removed at the end; each server gets a fresh database (python/compat/stores.py).
// Exits with pytest's exit code; "no tests collected" (pytest exit 5) is reported as a failure.

import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ensurePythonEnv, PythonEnvError, REPO_ROOT } from './python-env.mjs'

function log(message) {
  process.stderr.write(`[compat] ${message}\n`)
}

let python
try {
  python = ensurePythonEnv()
} catch (err) {
  log(`ERROR: ${err instanceof PythonEnvError ? err.message : err.stack}`)
  process.exit(1)
}

const postgres = process.argv[2] === '--postgres'
const pytestArgs = process.argv.slice(postgres ? 3 : 2)

/** Starts the throwaway cluster; resolves with its maintenance database's URI. */
function startPostgres() {
  const cluster = spawn(
    join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
    [join(REPO_ROOT, 'packages/server/test/support/postgres-cluster-main.ts')],
    { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  )
  return new Promise((resolve, reject) => {
    let out = ''
    cluster.stdout.on('data', (chunk) => {
      out += chunk
      const line = out.split('\n')[0]
      if (out.includes('\n')) resolve({ uri: line, stop: () => cluster.stdin.end() })
    })
    cluster.once('exit', (code) => reject(new Error(`the PostgreSQL cluster exited (${code}) before it started`)))
    cluster.once('error', reject)
  })
}

let cluster
if (postgres) {
  try {
    cluster = await startPostgres()
  } catch (err) {
    log(`ERROR: ${err.message}`)
    process.exit(1)
  }
  log(`keel servers on PostgreSQL (${cluster.uri.replace(/:[^:@/]+@/, ':***@')})`)
}

const args = ['-m', 'pytest', 'python/compat', '-q', ...pytestArgs]
log(`${python} ${args.join(' ')}`)
const child = spawn(python, args, {
  cwd: REPO_ROOT,
  stdio: 'inherit',
  env: { ...process.env, KEEL_REPO: REPO_ROOT, ...(cluster && { KEEL_COMPAT_POSTGRES_URI: cluster.uri }) },
})

// Pass termination on to pytest so its teardown stops the server it started.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => child.kill(sig))
}

child.on('error', (err) => {
  log(`ERROR: could not run ${python}: ${err.message}`)
  process.exit(1)
})

child.on('exit', (code, signal) => {
  cluster?.stop()
  if (signal) {
    log(`pytest was killed by ${signal}`)
    process.exit(1)
  }
  if (code === 5) {
    log('ERROR: pytest collected no tests (exit code 5); the compatibility suite must not be empty.')
    process.exit(1)
  }
  if (code !== 0) log(`pytest exited with code ${code}`)
  process.exit(code ?? 1)
})
