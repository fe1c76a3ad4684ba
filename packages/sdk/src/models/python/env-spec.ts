/**
 * What a model asks of its Python environment, read as MLflow reads it (mlflow/utils/virtualenv.py
 * `_get_python_env`): `python_env.yaml` (or the file the pyfunc flavor's `env.virtualenv` names) with
 * `python`, `build_dependencies` and `dependencies` (typically `-r requirements.txt`); without it,
 * `conda.yaml`'s python and pip dependencies, or `-r requirements.txt` alone.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { KeelError } from '@keel/contracts'
import { parse } from 'yaml'
import { readMLmodel } from '../mlmodel.js'

export const PYTHON_ENV_FILE = 'python_env.yaml'
export const REQUIREMENTS_FILE = 'requirements.txt'
const CONDA_FILE = 'conda.yaml'

export interface PythonEnvSpec {
  /** The Python version asked for (`3.11.7`, `3.11`), if any. */
  readonly python?: string
  readonly buildDependencies: readonly string[]
  /** Requirement lines as pip reads them in a requirements file (`-r requirements.txt`, `numpy==2.1.0`). */
  readonly dependencies: readonly string[]
  /** Where the spec came from (a file of the model, for messages). */
  readonly source: string
  /** MLmodel's `mlflow_version`, when known. */
  readonly mlflowVersion?: string
}

export interface RequirementFile {
  /** Relative to the model directory. */
  readonly path: string
  readonly content: string
}

/** The requirement files a spec's dependencies reference (`-r`, `-c`, recursively), and the packages named. */
export interface ExpandedRequirements {
  readonly files: readonly RequirementFile[]
  /** Normalised names (PEP 503) of the packages required (not constrained) anywhere. */
  readonly names: ReadonlySet<string>
  /** How many requirement lines (not options, not constraints) there are. */
  readonly count: number
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function stringList(raw: Record<string, unknown>, key: string, source: string): string[] {
  const value = raw[key]
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw KeelError.invalid(`${source}: '${key}' must be a list of strings`)
  return value
}

/** `failsafe` for python_env.yaml: every scalar a string, so `python: 3.10` is "3.10", not the number 3.1. */
function parseYaml(text: string, source: string, schema: 'core' | 'failsafe' = 'core'): Record<string, unknown> {
  let raw: unknown
  try {
    raw = parse(text, { schema })
  } catch (error) {
    throw KeelError.invalid(`${source} is not valid YAML: ${(error as Error).message}`)
  }
  if (!isRecord(raw)) throw KeelError.invalid(`${source} must be a YAML mapping`)
  return raw
}

function parsePythonEnv(text: string, source: string): Omit<PythonEnvSpec, 'mlflowVersion'> {
  const raw = parseYaml(text, source, 'failsafe')
  const python = raw.python
  if (python !== undefined && typeof python !== 'string')
    throw KeelError.invalid(`${source}: 'python' must be a version`)
  return {
    ...(typeof python === 'string' && python !== '' && { python }),
    buildDependencies: stringList(raw, 'build_dependencies', source),
    dependencies: stringList(raw, 'dependencies', source),
    source,
  }
}

/** `python=3.11.7`, `pip<=23.2.1`, `setuptools`, as MLflow's _CONDA_DEPENDENCY_REGEX. */
const CONDA_DEPENDENCY = /^(python|pip|setuptools|wheel)(<|>|<=|>=|=|==|!=)?([\d.]+)?$/

function parseConda(
  text: string,
  source: string,
): Omit<PythonEnvSpec, 'mlflowVersion' | 'dependencies' | 'source'> & {
  dependencies: string[]
} {
  const raw = parseYaml(text, source)
  let python: string | undefined
  const buildDependencies: string[] = []
  let dependencies: string[] = []
  for (const dep of Array.isArray(raw.dependencies) ? raw.dependencies : []) {
    if (isRecord(dep) && Array.isArray(dep.pip)) {
      dependencies = dep.pip.map(String)
      continue
    }
    const match = typeof dep === 'string' ? CONDA_DEPENDENCY.exec(dep.trim()) : null
    if (!match)
      throw KeelError.invalid(
        `${source}: the conda dependency ${JSON.stringify(dep)} cannot be installed in a virtualenv (only python, pip, setuptools, wheel and pip packages can)`,
      )
    const [, name, operator, version] = match
    if (name === 'python') python ??= version
    else buildDependencies.push(`${name}${operator === '=' ? '==' : (operator ?? '')}${version ?? ''}`)
  }
  return { ...(python !== undefined && { python }), buildDependencies, dependencies }
}

/** The model's environment spec (MLmodel must exist: its mlflow_version and pyfunc `env` are read). */
export async function readPythonEnvSpec(modelDir: string): Promise<PythonEnvSpec> {
  const mlmodel = await readMLmodel(modelDir)
  const mlflowVersion = mlmodel.mlflowVersion
  const env = mlmodel.flavors.python_function?.env
  const envFile = isRecord(env) && typeof env.virtualenv === 'string' ? env.virtualenv : PYTHON_ENV_FILE
  const condaFile = isRecord(env) && typeof env.conda === 'string' ? env.conda : CONDA_FILE
  const withVersion = <T extends object>(spec: T): T & { mlflowVersion?: string } => ({
    ...spec,
    ...(mlflowVersion !== undefined && { mlflowVersion }),
  })

  const pythonEnv = await readOptional(join(modelDir, envFile))
  if (pythonEnv !== undefined) return withVersion(parsePythonEnv(pythonEnv, envFile))
  // Models logged before MLflow 1.26 have no python_env.yaml: conda.yaml and requirements.txt, as MLflow.
  const conda = await readOptional(join(modelDir, condaFile))
  const condaSpec = conda === undefined ? undefined : parseConda(conda, condaFile)
  const hasRequirements = (await readOptional(join(modelDir, REQUIREMENTS_FILE))) !== undefined
  return withVersion({
    ...(condaSpec?.python !== undefined && { python: condaSpec.python }),
    buildDependencies: condaSpec?.buildDependencies ?? [],
    dependencies: hasRequirements ? [`-r ${REQUIREMENTS_FILE}`] : (condaSpec?.dependencies ?? []),
    source: hasRequirements ? REQUIREMENTS_FILE : condaSpec ? condaFile : `${modelDir} (no ${PYTHON_ENV_FILE})`,
  })
}

/** `-r FILE`, `--requirement=FILE`, `-c FILE`, `--constraint FILE`. */
const INCLUDE = /^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S.*)$/
/** A requirement's name: what follows must end it (not a path's `/` or a URL's `:`). */
const NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?=$|[[(<>=!~;@\s])/

/** PEP 503 normalisation: `Mlflow_Skinny` → `mlflow-skinny`. */
export const normalizeName = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-')

/** The package a requirement line names, or undefined for options, paths and URLs. */
export function requirementName(line: string): string | undefined {
  const text = line.replace(/(^|\s)#.*$/, '').trim()
  if (text === '' || text.startsWith('-')) return undefined
  const match = NAME.exec(text)
  return match?.[1] === undefined ? undefined : normalizeName(match[1])
}

/**
 * Reads the requirement files `lines` include (relative to the model directory, nested ones relative
 * to their parent file, as pip resolves them). A missing file is an error naming it and `source`.
 */
export async function expandRequirements(
  lines: readonly string[],
  modelDir: string,
  source: string,
): Promise<ExpandedRequirements> {
  const files: RequirementFile[] = []
  const names = new Set<string>()
  let count = 0
  const seen = new Set<string>()
  const visit = async (entries: readonly string[], dir: string, constraints: boolean, from: string): Promise<void> => {
    for (const entry of entries) {
      const line = entry.replace(/(^|\s)#.*$/, '').trim()
      const include = INCLUDE.exec(line)
      if (include?.[1] !== undefined && include[2] !== undefined) {
        const path = join(dir, include[2].trim())
        const name = relative(modelDir, path)
        const content = await readOptional(path)
        if (content === undefined)
          throw KeelError.invalid(`${from} includes '${include[2].trim()}', which is not in the model directory`)
        if (seen.has(path)) continue
        seen.add(path)
        files.push({ path: name, content })
        const isConstraint = constraints || include[1] === '-c' || include[1] === '--constraint'
        await visit(content.split(/\r?\n/), dirname(path), isConstraint, name)
        continue
      }
      const name = requirementName(line)
      if (constraints || line === '' || line.startsWith('-')) continue
      count += 1
      if (name !== undefined) names.add(name)
    }
  }
  await visit(lines, modelDir, false, source)
  return { files, names, count }
}

/** Whether the requirements install MLflow's pyfunc loader (mlflow-tracing alone does not have it). */
export const namesMlflow = (names: ReadonlySet<string>): boolean => names.has('mlflow') || names.has('mlflow-skinny')

/** The cache key: sha256 (hex) of everything that makes two environments differ. */
export function envHash(inputs: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex')
}
