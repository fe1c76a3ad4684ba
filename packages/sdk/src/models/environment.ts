/**
 * The runtime a model was saved with (`environment.json` in the model directory, keel's
 * counterpart of MLflow's `requirements.txt`/`python_env.yaml`): Node's version and the installed
 * versions of `@keel/sdk`, `@keel/ml` and the libraries `@keel/ml` builds its estimators on.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SDK_VERSION } from '../version.js'

export const ENVIRONMENT_FILE = 'environment.json'

export interface ModelEnvironment {
  /** `process.version`, e.g. `v20.19.1`. */
  readonly node: string
  /** Installed package versions by name; a package that cannot be found is left out. */
  readonly packages: Readonly<Record<string, string>>
}

interface PackageJson {
  readonly name?: string
  readonly version?: string
  readonly dependencies?: Readonly<Record<string, string>>
}

/**
 * The directory and package.json of `name` as Node would find it from `fromDir` (each ancestor's
 * `node_modules`). Read from disk rather than resolved, because packages' `exports` maps usually
 * hide their package.json.
 */
function findPackage(name: string, fromDir: string): { dir: string; json: PackageJson } | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', ...name.split('/'))
    const file = join(candidate, 'package.json')
    if (existsSync(file)) {
      try {
        return { dir: realpathSync(candidate), json: JSON.parse(readFileSync(file, 'utf8')) as PackageJson }
      } catch {
        return undefined
      }
    }
    if (dirname(dir) === dir) return undefined
  }
}

let cached: ModelEnvironment | undefined

/** The current runtime's environment (computed once per process). */
export function currentEnvironment(): ModelEnvironment {
  if (cached !== undefined) return cached
  const here = dirname(fileURLToPath(import.meta.url))
  const packages: Record<string, string> = { '@keel/sdk': SDK_VERSION }
  const ml = findPackage('@keel/ml', here)
  if (ml?.json.version !== undefined) {
    packages['@keel/ml'] = ml.json.version
    for (const dep of Object.keys(ml.json.dependencies ?? {}).sort()) {
      const version = findPackage(dep, ml.dir)?.json.version
      if (version !== undefined) packages[dep] = version
    }
  }
  cached = { node: process.version, packages }
  return cached
}
