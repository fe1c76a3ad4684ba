/**
 * The virtualenv and uv managers: a venv built from the model's python_env.yaml and requirements,
 * cached by hash as MLflow caches its environments.
 *
 * The cache: `<cacheDir>/<sha256>` where the hash covers the manager, the interpreter (version and
 * real path), the build dependencies, the dependency lines and the contents of every requirement
 * file they include, the mlflow requirement keel adds, and the extra packages. A build goes into
 * `<hash>.<pid>-<random>.tmp`, writes the marker `.keel-env.json` last and is renamed into place, so
 * a folder without the marker is never used and an interrupted build leaves nothing half-visible
 * (its `.tmp` is removed by the next build of that hash once its process is gone). Two processes
 * building the same hash both build; the one that loses the rename removes its copy and uses the
 * winner's. In one process, concurrent calls for one hash share a build (and its progress).
 *
 * Relocation: a venv's `bin/python` is a symlink to the base interpreter and finds its environment
 * from its own path, so it works after the rename; the scripts pip writes (`bin/pip`, console
 * scripts, `activate`) hard-code the build path, so before the marker is written every text file in
 * `bin/` (and pyvenv.cfg) has the `.tmp` path replaced by the final one. keel itself only ever runs
 * `bin/python`.
 */
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { KeelError } from '@keel/contracts'
import {
  type BuildJob,
  type BuiltManager,
  createVenv,
  type InstallGroup,
  installAll,
  relocateScripts,
} from './env-install.js'
import { errnoCode } from './env-process.js'
import { checkImports, WORKER_MODULES } from './env-python.js'
import { envHash, expandRequirements, namesMlflow, readPythonEnvSpec } from './env-spec.js'
import { chooseInterpreter, findUv } from './env-tools.js'

export type { BuiltManager }
export const MARKER_FILE = '.keel-env.json'

/** A built environment (environment.ts's PythonEnv for these managers). */
export interface BuiltEnv {
  readonly python: string
  readonly manager: BuiltManager
  readonly envDir: string
}

export interface BuildSettings {
  /** The base interpreter (basePython). */
  readonly python: string
  readonly cacheDir: string
  readonly extraPackages: readonly string[]
  readonly onProgress: (line: string) => void
}

/** Test seams (not user options): a cheap build without mlflow checks the rest of the machinery. */
export interface BuildInternals {
  /** Add `mlflow==<MLmodel's mlflow_version>` when the requirements name no mlflow (default true, as MLflow's install_mlflow). */
  readonly addMlflow?: boolean
  /** What the built environment must import before it is cached (default: the worker's mlflow, numpy, pandas). */
  readonly requiredModules?: readonly string[]
}

/** Builds in progress in this process, by folder: their result, and who wants their progress. */
const building = new Map<
  string,
  { readonly result: Promise<BuiltEnv>; readonly listeners: Set<(line: string) => void> }
>()

/** The environment for the model in `modelDir`, from the cache or built into it. */
export async function virtualEnvFor(
  modelDir: string,
  manager: BuiltManager,
  settings: BuildSettings,
  internals: BuildInternals = {},
): Promise<BuiltEnv> {
  const spec = await readPythonEnvSpec(modelDir)
  // How the interpreter was chosen is said when an environment is built, not at each cache hit.
  const notes: string[] = []
  const interpreter = await chooseInterpreter(manager, settings.python, spec.python, spec.source, (line) =>
    notes.push(line),
  )
  const deps = await expandRequirements(spec.dependencies, modelDir, spec.source)
  const addMlflow = internals.addMlflow !== false && !namesMlflow(deps.names)
  const mlflow = addMlflow ? (spec.mlflowVersion === undefined ? 'mlflow' : `mlflow==${spec.mlflowVersion}`) : undefined
  const modules = internals.requiredModules ?? WORKER_MODULES
  const hash = envHash({
    // 2: uv environments are byte-compiled.
    format: 2,
    manager,
    python: interpreter.version,
    base: interpreter.base,
    buildDependencies: spec.buildDependencies,
    dependencies: spec.dependencies,
    files: deps.files,
    mlflow: mlflow ?? null,
    extraPackages: settings.extraPackages,
    modules,
  })
  const envDir = join(settings.cacheDir, hash)
  const pending = building.get(envDir)
  if (pending !== undefined) {
    pending.listeners.add(settings.onProgress)
    return pending.result
  }
  const listeners = new Set([settings.onProgress])
  const progress = (line: string): void => {
    for (const listener of listeners) listener(line)
  }
  const result = (async (): Promise<BuiltEnv> => {
    const env: BuiltEnv = { python: join(envDir, 'bin', 'python'), manager, envDir }
    if (await isReady(envDir)) {
      progress(`Using the cached ${manager} environment ${envDir}`)
      return env
    }
    const uv = manager === 'uv' ? await findUv(settings.python) : undefined
    for (const note of notes) progress(note)
    if (mlflow !== undefined)
      progress(`The model's requirements do not name mlflow: adding ${mlflow}, as MLflow's install_mlflow does`)
    const groups: InstallGroup[] = [
      {
        label: `the build_dependencies of ${spec.source}`,
        lines: spec.buildDependencies,
        count: spec.buildDependencies.length,
      },
      {
        label: `the requirements of ${[spec.source, ...deps.files.map((f) => f.path)].join(', ')}`,
        lines: [...spec.dependencies, ...(mlflow === undefined ? [] : [mlflow])],
        count: deps.count + (mlflow === undefined ? 0 : 1),
      },
      { label: 'the extra packages', lines: settings.extraPackages, count: settings.extraPackages.length },
    ]
    const job: BuildJob = { modelDir, manager, interpreter, uv, envDir, groups, modules, progress }
    await buildInto(job)
    return env
  })().finally(() => building.delete(envDir))
  building.set(envDir, { result, listeners })
  return result
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

/** The marker is there and the interpreter runs (its base Python may have been removed since). */
async function isReady(envDir: string): Promise<boolean> {
  if (!(await exists(join(envDir, MARKER_FILE)))) return false
  return access(join(envDir, 'bin', 'python'), constants.X_OK).then(
    () => true,
    () => false,
  )
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return errnoCode(error) === 'EPERM'
  }
}

/** Removes `<hash>.<pid>-*.tmp` folders left by builds whose process is gone (killed mid-build). */
async function removeStaleBuilds(envDir: string, cacheDir: string, name: string): Promise<void> {
  for (const entry of await readdir(cacheDir)) {
    const match = /^(\d+)-[0-9a-z]+\.tmp$/.exec(entry.slice(name.length + 1))
    if (!entry.startsWith(`${name}.`) || match?.[1] === undefined) continue
    if (!processAlive(Number(match[1]))) await rm(join(cacheDir, entry), { recursive: true, force: true })
  }
  // A cached environment that no longer works (no marker, or its interpreter is gone): moved aside, then removed.
  if ((await exists(envDir)) && !(await isReady(envDir))) {
    const aside = `${envDir}.${process.pid}-stale.tmp`
    await rename(envDir, aside).catch(() => undefined)
    await rm(aside, { recursive: true, force: true })
  }
}

/** Builds `job.envDir` (or finds that another process built it first, and leaves that one). */
async function buildInto(job: BuildJob): Promise<void> {
  const { envDir, manager, progress } = job
  const cacheDir = join(envDir, '..')
  const name = envDir.slice(cacheDir.length + 1)
  await mkdir(cacheDir, { recursive: true })
  await removeStaleBuilds(envDir, cacheDir, name)
  if (await isReady(envDir)) return
  const tmp = `${envDir}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
  const started = performance.now()
  try {
    await createVenv(job, tmp)
    await installAll(job, tmp)
    await relocateScripts(tmp, envDir)
    const check = await checkImports(join(tmp, 'bin', 'python'), job.modules)
    if (!check.ok)
      throw new KeelError(
        'INVALID_STATE',
        `--env-manager ${manager}: the environment built for ${job.modelDir} cannot import ${job.modules.join(', ')}: ${check.error}`,
      )
    const marker = { manager, python: job.interpreter.version, base: job.interpreter.base, modelDir: job.modelDir }
    await writeFile(join(tmp, MARKER_FILE), `${JSON.stringify({ ...marker, builtAt: new Date().toISOString() })}\n`)
  } catch (error) {
    await rm(tmp, { recursive: true, force: true })
    throw error
  }
  try {
    await rename(tmp, envDir)
  } catch (error) {
    await rm(tmp, { recursive: true, force: true })
    const code = errnoCode(error)
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await isReady(envDir))) {
      progress(`Another process built the same environment first: using ${envDir}`)
      return
    }
    throw error
  }
  progress(`Python environment ready in ${((performance.now() - started) / 1000).toFixed(1)} s: ${envDir}`)
}
