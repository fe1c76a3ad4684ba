/** The repo's Python virtualenv (`.venv`, made on demand by scripts/python-env.mjs) for the anchors. */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from './servers.js'

/** The venv's python executable; creates the venv first when it is missing. */
export function venvPython(): string {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/python-env.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const path = (r.stdout ?? '').trim().split('\n').pop() ?? ''
  if (r.status !== 0 || !path) throw new Error('scripts/python-env.mjs failed to provide the Python venv (see above)')
  return path
}

/** Runs a script of bench/python with the venv and parses the JSON it prints on stdout. */
export function runPythonJson<T>(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): T {
  const r = spawnSync(venvPython(), [join(REPO_ROOT, 'bench/python', script), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', ...env },
  })
  if (r.status !== 0) throw new Error(`${script} failed:\n${r.stderr}`)
  return JSON.parse(r.stdout) as T
}
