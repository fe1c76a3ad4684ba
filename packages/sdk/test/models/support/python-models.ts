/**
 * MLflow model directories made by Python (mlflow, scikit-learn, skl2onnx in the repo's venv),
 * generated once per version of make_models.py and shared by the test files (in the OS temp folder).
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const SCRIPT = fileURLToPath(new URL('./make_models.py', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url))

/** The venv's python (scripts/python-env.mjs creates or refreshes the venv when needed). */
export async function venvPython(): Promise<string> {
  const mod = (await import(pathToFileURL(`${REPO_ROOT}scripts/python-env.mjs`).href)) as {
    ensurePythonEnv(options?: { repoRoot?: string; log?: (message: string) => void }): string
  }
  return mod.ensurePythonEnv({ repoRoot: REPO_ROOT })
}

export interface Expected {
  readonly columns: string[]
  /** The 150 iris rows as float32 values. */
  readonly rows: number[][]
  readonly labels: number[]
  readonly probabilities: number[][]
  readonly columnRows: Record<string, number | string>[]
  readonly columnLabels: number[]
  readonly regression: number[]
}

export interface PythonModels {
  readonly dir: string
  readonly expected: Expected
  path(name: 'sklearn' | 'onnx' | 'onnx-zipmap' | 'onnx-columns' | 'onnx-regressor'): string
}

export async function pythonModels(): Promise<PythonModels> {
  const hash = createHash('sha256').update(readFileSync(SCRIPT)).digest('hex').slice(0, 12)
  const dir = join(tmpdir(), `keel-python-models-${hash}`)
  if (!existsSync(join(dir, 'expected.json'))) {
    const python = await venvPython()
    const staging = mkdtempSync(join(tmpdir(), 'keel-python-models-'))
    execFileSync(python, [SCRIPT, staging], { stdio: ['ignore', 'ignore', 'pipe'] })
    try {
      renameSync(staging, dir)
    } catch (error) {
      rmSync(staging, { recursive: true, force: true })
      if (!existsSync(join(dir, 'expected.json'))) throw error // else another test file made it first
    }
  }
  return {
    dir,
    expected: JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected,
    path: (name) => join(dir, name),
  }
}
