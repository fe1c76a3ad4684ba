/**
 * The models of the ONNX conversion tests (make_convert_models.py, run by the venv's python): made
 * once per version of the script and shared by the test files (in the OS temp folder).
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { venvPython } from './python-models.js'

const SCRIPT = fileURLToPath(new URL('./make_convert_models.py', import.meta.url))

export interface ConvertData {
  /** The regressor's 150 rows (sl, sw, pl as numbers, size as a string) and its predictions. */
  readonly regressorRows: Record<string, number | string>[]
  readonly regressorValues: number[]
  /** The 150 iris rows as arrays (float32 values). */
  readonly irisArrays: number[][]
}

export interface ConvertModels {
  readonly data: ConvertData
  path(name: 'regressor' | 'xgboost' | 'lightgbm'): string
}

export async function convertModels(): Promise<ConvertModels> {
  const hash = createHash('sha256').update(readFileSync(SCRIPT)).digest('hex').slice(0, 12)
  const dir = join(tmpdir(), `keel-convert-models-${hash}`)
  if (!existsSync(join(dir, 'data.json'))) {
    const python = await venvPython()
    const staging = mkdtempSync(join(tmpdir(), 'keel-convert-models-'))
    execFileSync(python, [SCRIPT, staging], { stdio: ['ignore', 'ignore', 'pipe'] })
    try {
      renameSync(staging, dir)
    } catch (error) {
      rmSync(staging, { recursive: true, force: true })
      if (!existsSync(join(dir, 'data.json'))) throw error // else another test file made them first
    }
  }
  return {
    data: JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8')) as ConvertData,
    path: (name) => join(dir, name),
  }
}
