#!/usr/bin/env node
// Creates (or refreshes) the repo-local Python virtualenv used by the MLflow
// compatibility suite (python/compat). No npm dependencies: Node built-ins only.
//
//   node scripts/python-env.mjs          -> ensures .venv, prints the venv's python path on stdout
//   import { ensurePythonEnv } from './python-env.mjs'
//
// The venv at <repo>/.venv is (re)built from python/requirements.lock.txt whenever it is missing
// or the lock file's sha256 differs from the one recorded in .venv/.keel-lock-sha256 (the record
// is written only after a successful install, so a half-finished install is redone next time).
// Set KEEL_PYTHON to use an interpreter other than `python3` to create the venv.

import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

const MIN_PYTHON = [3, 10] // mlflow 3.x requires Python >= 3.10
const MARKER = '.keel-lock-sha256'

export class PythonEnvError extends Error {
  constructor(message) {
    super(message)
    this.name = 'PythonEnvError'
  }
}

function defaultLog(message) {
  process.stderr.write(`[python-env] ${message}\n`)
}

function sha256File(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/** Paths of the venv for a given repo root. */
export function venvPaths(repoRoot = REPO_ROOT) {
  const venvDir = join(repoRoot, '.venv')
  return {
    venvDir,
    python: join(venvDir, 'bin', 'python'),
    marker: join(venvDir, MARKER),
    lockFile: join(repoRoot, 'python', 'requirements.lock.txt'),
  }
}

function checkBasePython(python) {
  const probe = spawnSync(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' })
  if (probe.error && probe.error.code === 'ENOENT') {
    throw new PythonEnvError(
      `'${python}' was not found (set KEEL_PYTHON or put python3 on PATH). The MLflow compatibility suite needs Python ` +
        `>= ${MIN_PYTHON.join('.')} with the venv module ` +
        `(Debian/Ubuntu: apt-get install -y python3 python3-venv).`,
    )
  }
  if (probe.error || probe.status !== 0) {
    throw new PythonEnvError(
      `'${python}' could not be run: ${probe.error?.message ?? ((probe.stderr || '').trim() || `exit ${probe.status}`)}`,
    )
  }
  const version = probe.stdout.trim()
  const [major, minor] = version.split('.').map(Number)
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    throw new PythonEnvError(
      `'${python}' is Python ${version}; mlflow needs Python >= ${MIN_PYTHON.join('.')}. ` +
        `Set KEEL_PYTHON to a newer interpreter.`,
    )
  }
  return version
}

function venvPythonWorks(venvPython) {
  const r = spawnSync(venvPython, ['-c', 'import sys'], { stdio: 'ignore' })
  return !r.error && r.status === 0
}

/**
 * Ensures <repoRoot>/.venv exists and matches python/requirements.lock.txt.
 * Returns the absolute path of the venv's python. Throws PythonEnvError on failure.
 * Child output (venv creation, pip progress) goes to this process's stderr so that
 * stdout stays clean for the CLI's single line.
 */
export function ensurePythonEnv({
  repoRoot = REPO_ROOT,
  python = process.env.KEEL_PYTHON || 'python3',
  log = defaultLog,
} = {}) {
  const { venvDir, python: venvPython, marker, lockFile } = venvPaths(repoRoot)
  if (!existsSync(lockFile)) {
    throw new PythonEnvError(`lock file not found: ${lockFile}`)
  }
  const lockSha = sha256File(lockFile)
  const recorded = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : null

  if (existsSync(venvDir)) {
    if (recorded === lockSha && venvPythonWorks(venvPython)) {
      return venvPython
    }
    const why =
      recorded === null
        ? `no ${MARKER} record (not created by this script, or its install did not finish)`
        : recorded !== lockSha
          ? `python/requirements.lock.txt changed (sha256 ${recorded.slice(0, 12)}… -> ${lockSha.slice(0, 12)}…)`
          : `${venvPython} does not run`
    log(`recreating ${venvDir}: ${why}`)
    rmSync(venvDir, { recursive: true, force: true })
  }

  const version = checkBasePython(python)
  log(`creating ${venvDir} with ${python} (Python ${version})`)
  const mk = spawnSync(python, ['-m', 'venv', venvDir], { encoding: 'utf8' })
  if (mk.error || mk.status !== 0 || !existsSync(venvPython)) {
    rmSync(venvDir, { recursive: true, force: true })
    const detail = [mk.error?.message, (mk.stdout || '').trim(), (mk.stderr || '').trim()].filter(Boolean).join('\n')
    throw new PythonEnvError(
      `'${python} -m venv' failed; the venv module (with ensurepip) is missing or broken.\n` +
        `On Debian/Ubuntu install it with: apt-get install -y python3-venv\n${detail}`,
    )
  }

  log(`installing python/requirements.lock.txt into ${venvDir} (this takes a few minutes the first time)`)
  const pip = spawnSync(
    venvPython,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', lockFile],
    // pip's own output (progress included) goes to our stderr; stdout stays for the path.
    { stdio: ['ignore', 2, 2], cwd: repoRoot },
  )
  if (pip.error || pip.status !== 0) {
    throw new PythonEnvError(
      `pip install -r python/requirements.lock.txt failed ` +
        `(${pip.error?.message ?? (pip.signal ? `signal ${pip.signal}` : `exit ${pip.status}`)}); see pip's output above. ` +
        `The venv will be recreated on the next run.`,
    )
  }
  writeFileSync(marker, `${lockSha}\n`)
  log(`ready: ${venvPython}`)
  return venvPython
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  try {
    process.stdout.write(`${ensurePythonEnv()}\n`)
  } catch (err) {
    process.stderr.write(`\n[python-env] ERROR: ${err.message}\n`)
    process.exit(1)
  }
}
