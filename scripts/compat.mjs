#!/usr/bin/env node
// Runs the MLflow Python client compatibility suite (python/compat) against `keel server`.
//
//   node scripts/compat.mjs [extra pytest args...]     e.g. -k search -x
//
// Ensures the repo's .venv (scripts/python-env.mjs), then runs
//   .venv/bin/python -m pytest python/compat -q
// with KEEL_REPO=<repo root>; the conftest starts the built server (npm run build first).
// Set KEEL_COMPAT_URL=http://host:port to run against an already running server instead.
// Exits with pytest's exit code; "no tests collected" (pytest exit 5) is reported as a failure.

import { spawn } from 'node:child_process'
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

const args = ['-m', 'pytest', 'python/compat', '-q', ...process.argv.slice(2)]
log(`${python} ${args.join(' ')}`)
const child = spawn(python, args, {
  cwd: REPO_ROOT,
  stdio: 'inherit',
  env: { ...process.env, KEEL_REPO: REPO_ROOT },
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
