/**
 * Building a venv's contents: creating it (`python -m venv` or `uv venv`), installing requirement
 * groups with pip or uv (their output streamed as progress, their error lines in the failure), and
 * making bin/'s scripts point at the folder the venv is renamed to.
 */
import { randomBytes } from 'node:crypto'
import { lstat, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { KeelError } from '@keel/contracts'
import { errorLines, howItEnded, run } from './env-process.js'
import type { Interpreter } from './env-python.js'

export type BuiltManager = 'virtualenv' | 'uv'

const TOOL_ENV = {
  PIP_NO_INPUT: '1',
  PIP_DISABLE_PIP_VERSION_CHECK: '1',
  UV_PYTHON_DOWNLOADS: 'never',
  UV_NO_PROGRESS: '1',
  NO_COLOR: '1',
}

export interface InstallGroup {
  readonly label: string
  readonly lines: readonly string[]
  readonly count: number
}

export interface BuildJob {
  readonly modelDir: string
  readonly manager: BuiltManager
  readonly interpreter: Interpreter
  readonly uv: string | undefined
  readonly envDir: string
  readonly groups: readonly InstallGroup[]
  readonly modules: readonly string[]
  readonly progress: (line: string) => void
}

const toolEnv = (): NodeJS.ProcessEnv => ({ ...process.env, ...TOOL_ENV })

export async function createVenv(job: BuildJob, dir: string): Promise<void> {
  const { interpreter, manager, progress } = job
  progress(`Creating a ${manager} environment with Python ${interpreter.version} (${interpreter.command})`)
  // The prompt (which activate scripts show) would otherwise be the build folder's name.
  const prompt = `keel-${basename(job.envDir).slice(0, 12)}`
  const [command, args] =
    job.uv === undefined
      ? [interpreter.command, ['-m', 'venv', '--prompt', prompt, dir]]
      : [job.uv, ['venv', '--python', interpreter.command, '--prompt', prompt, dir]]
  const what = job.uv === undefined ? `${interpreter.command} -m venv` : 'uv venv'
  let result: Awaited<ReturnType<typeof run>>
  try {
    result = await run(command, args, { env: toolEnv(), onLine: (line) => progress(`  ${line}`) })
  } catch (error) {
    throw new KeelError(
      'INVALID_STATE',
      `--env-manager ${manager}: could not run ${command}: ${(error as Error).message}`,
    )
  }
  if (result.code !== 0)
    throw new KeelError(
      'INVALID_STATE',
      `--env-manager ${manager}: ${what} failed (${howItEnded(result)}):\n${errorLines(result.lines).join('\n')}`,
    )
}

/**
 * Installs each group with one `pip install -r` (or `uv pip install -r`) of a requirements file
 * written, as MLflow does, in a folder of symlinks to the model's files: `-r requirements.txt` and
 * relative paths resolve against the model, which may be read-only.
 */
export async function installAll(job: BuildJob, dir: string): Promise<void> {
  const staging = await mkdtemp(join(tmpdir(), 'keel-requirements-'))
  try {
    for (const item of await readdir(job.modelDir)) await symlink(join(job.modelDir, item), join(staging, item))
    for (const group of job.groups) if (group.lines.length > 0) await install(job, dir, staging, group)
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

async function install(job: BuildJob, dir: string, staging: string, group: InstallGroup): Promise<void> {
  const { manager, progress } = job
  const file = `requirements.keel-${randomBytes(4).toString('hex')}.txt`
  await writeFile(join(staging, file), `${group.lines.join('\n')}\n`)
  const python = join(dir, 'bin', 'python')
  const tool = job.uv === undefined ? 'pip' : 'uv'
  // uv compiles the bytecode now, as pip does by default: else each worker start compiles mlflow again
  // when PYTHONDONTWRITEBYTECODE is set (~7 s instead of ~2.5 s to import mlflow, measured).
  const [command, args] =
    job.uv === undefined
      ? [python, ['-m', 'pip', 'install', '--progress-bar', 'off', '-r', file]]
      : [job.uv, ['pip', 'install', '--python', python, '--compile-bytecode', '-r', file]]
  progress(`Installing ${group.count} requirement${group.count === 1 ? '' : 's'} (${group.label}) with ${tool}`)
  const result = await run(command, args, { cwd: staging, env: toolEnv(), onLine: (line) => progress(`  ${line}`) })
  if (result.code !== 0)
    throw new KeelError(
      'INVALID_STATE',
      `--env-manager ${manager}: ${tool} could not install ${group.label} for ${job.modelDir} (${howItEnded(result)}):\n` +
        errorLines(result.lines).join('\n'),
    )
}

/** Replaces the build path by the final one in bin/'s text files (script shebangs, activate) and pyvenv.cfg. */
export async function relocateScripts(from: string, to: string): Promise<void> {
  const bin = join(from, 'bin')
  const files = [...(await readdir(bin)).map((entry) => join(bin, entry)), join(from, 'pyvenv.cfg')]
  for (const path of files) {
    const info = await lstat(path).catch(() => undefined)
    if (info === undefined || !info.isFile() || info.size > 1 << 20) continue
    const bytes = await readFile(path)
    if (bytes.includes(0) || !bytes.includes(from)) continue
    await writeFile(path, bytes.toString('utf8').replaceAll(from, to))
  }
}
