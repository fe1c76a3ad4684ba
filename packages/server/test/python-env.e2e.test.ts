/**
 * `keel predict --env-manager virtualenv|uv` (the built CLI) on a scikit-learn model saved by MLflow:
 * keel builds the model's environment for real (python_env.yaml, requirements.txt and, since this
 * model's requirements leave mlflow out, the mlflow==<MLmodel's mlflow_version> keel adds, as MLflow's
 * install_mlflow), predicts through a worker running in it, and answers a second run from the cache.
 * A build downloads mlflow and its dependencies from PyPI (about 900 MB installed): it takes one to
 * two minutes with pip, less with uv.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KEEL_BIN } from './support/keel-server.js'

const exec = promisify(execFile)
/** A cold build installs mlflow from PyPI: 1-2 minutes measured with pip on a loaded two-core machine. */
const BUILD_TIMEOUT = 900_000
const dir = mkdtempSync(join(tmpdir(), 'keel-python-env-e2e-'))
const model = join(dir, 'model')
const rows = join(dir, 'rows.csv')
let python: string
let expected: number[]
let mlflowVersion: string

const MAKE_MODEL = `
import json, sys
import mlflow.sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
X, y = load_iris(return_X_y=True, as_frame=True)
X = X.iloc[::10]
y = y.iloc[::10]
m = LogisticRegression(max_iter=1000).fit(X, y)
mlflow.sklearn.save_model(m, sys.argv[1])
X.to_csv(sys.argv[2], index=False)
print(json.dumps([int(v) for v in m.predict(X)]))
`

beforeAll(async () => {
  const repo = new URL('../../../', import.meta.url)
  const mod = (await import(pathToFileURL(`${repo.pathname}scripts/python-env.mjs`).href)) as {
    ensurePythonEnv(options?: { repoRoot?: string }): string
  }
  python = mod.ensurePythonEnv({ repoRoot: repo.pathname })
  const { stdout } = await exec(python, ['-W', 'ignore', '-c', MAKE_MODEL, model, rows])
  expected = JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as number[]
  mlflowVersion = /^mlflow_version: (\S+)$/m.exec(readFileSync(join(model, 'MLmodel'), 'utf8'))?.[1] ?? 'unknown'
  // Leave mlflow out of the requirements: keel must add it from MLmodel's mlflow_version.
  const requirements = readFileSync(join(model, 'requirements.txt'), 'utf8')
  writeFileSync(join(model, 'requirements.txt'), requirements.replace(/^mlflow==.*\n?/m, ''))
}, 180_000)

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

const predict = async (manager: string, cacheDir: string) => {
  const { stdout, stderr } = await exec(
    process.execPath,
    [KEEL_BIN, 'predict', '-m', model, '-i', rows, '--json', '--env-manager', manager],
    {
      env: { ...process.env, NO_COLOR: '1', KEEL_PYTHON: python, KEEL_PYTHON_ENV_CACHE: cacheDir },
      maxBuffer: 64 << 20,
    },
  )
  return { predictions: (JSON.parse(stdout) as { predictions: number[] }).predictions, stderr }
}

describe.each(['virtualenv', 'uv'])('keel predict --env-manager %s', (manager) => {
  it(
    "builds the model's environment with mlflow, predicts in it, then uses the cache",
    async () => {
      const cacheDir = join(dir, `cache-${manager}`)
      const first = await predict(manager, cacheDir)
      expect(first.predictions).toEqual(expected)
      expect(first.stderr).toContain(`The model's requirements do not name mlflow: adding mlflow==${mlflowVersion}`)
      const ready = /Python environment ready in [\d.]+ s: (\S+)/.exec(first.stderr)
      expect(ready?.[1]).toMatch(new RegExp(`^${cacheDir}/[0-9a-f]{64}$`))
      const envDir = ready?.[1] ?? ''
      const { stdout } = await exec(join(envDir, 'bin', 'python'), ['-c', 'import mlflow; print(mlflow.__version__)'])
      expect(stdout.trim()).toBe(mlflowVersion)

      const second = await predict(manager, cacheDir)
      expect(second.predictions).toEqual(expected)
      expect(second.stderr).toContain(`Using the cached ${manager} environment ${envDir}`)
      expect(second.stderr).not.toContain('Installing')
    },
    BUILD_TIMEOUT,
  )
})
