/**
 * What a run records about where it came from, as MLflow's `mlflow.source.*` context tags do: the
 * user, the entry point, its git commit/branch/remote/dirtiness, the Node runtime, and the installed
 * versions of the dependencies the entry point's package declares. Best effort: never throws.
 */
import { execFile } from 'node:child_process'
import { access, readFile, realpath } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { promisify } from 'node:util'
import { LIMITS } from '@keel/contracts'
import { currentUser } from './config.js'

const execFileAsync = promisify(execFile)

export interface LineageOptions {
  /** The script being run (default `process.argv[1]`). */
  readonly entryPoint?: string
  /** Timeout of each `git` call (default 2 s). */
  readonly gitTimeoutMs?: number
}

/** The lineage tags of a run started from `entryPoint`; a missing piece is simply absent. */
export async function collectLineageTags(options: LineageOptions = {}): Promise<Record<string, string>> {
  try {
    const entry = options.entryPoint ?? process.argv[1]
    const entryPath = entry ? await realpath(resolve(entry)).catch(() => resolve(entry)) : undefined
    const dir = entryPath ? dirname(entryPath) : process.cwd()
    const [git, dependencies] = await Promise.all([
      gitLineage(dir, options.gitTimeoutMs ?? 2000),
      installedDependencies(dir).catch(() => undefined),
    ])
    const tags: Record<string, string | undefined> = {
      'mlflow.user': currentUser(),
      'mlflow.source.name': entryPath && sourceName(entryPath, git.root),
      'mlflow.source.type': 'LOCAL',
      'mlflow.source.git.commit': git.commit,
      'mlflow.source.git.branch': git.branch,
      'mlflow.source.git.repoURL': git.repoUrl,
      'keel.source.git.dirty': git.dirty,
      'keel.runtime.node': process.version,
      'keel.runtime.platform': `${process.platform}-${process.arch}`,
      'keel.dependencies': dependencies && dependenciesJson(dependencies, LIMITS.tagValueLength),
    }
    const result: Record<string, string> = {}
    for (const [key, value] of Object.entries(tags))
      if (value !== undefined) result[key] = value.slice(0, LIMITS.tagValueLength)
    return result
  } catch {
    return {}
  }
}

function sourceName(entryPath: string, gitRoot: string | undefined): string {
  if (gitRoot === undefined) return entryPath
  const rel = relative(gitRoot, entryPath)
  return rel.startsWith('..') || isAbsolute(rel) ? entryPath : rel.split(sep).join('/')
}

interface GitLineage {
  readonly root?: string | undefined
  readonly commit?: string | undefined
  readonly branch?: string | undefined
  readonly repoUrl?: string | undefined
  readonly dirty?: 'true' | 'false' | undefined
}

async function gitLineage(cwd: string, timeout: number): Promise<GitLineage> {
  const git = async (...args: string[]): Promise<string | undefined> => {
    try {
      const env = { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' }
      const { stdout } = await execFileAsync('git', args, { cwd, timeout, env, windowsHide: true })
      return stdout.trim()
    } catch {
      return undefined
    }
  }
  const root = await git('rev-parse', '--show-toplevel')
  if (root === undefined || root === '') return {}
  const [commit, branch, origin, status] = await Promise.all([
    git('rev-parse', 'HEAD'),
    git('symbolic-ref', '--short', '-q', 'HEAD'),
    git('remote', 'get-url', 'origin'),
    git('status', '--porcelain'),
  ])
  const realRoot = await realpath(root).catch(() => root)
  const dirty = status === undefined ? undefined : status === '' ? 'false' : 'true'
  return { root: realRoot, commit, branch: branch || undefined, repoUrl: origin && withoutCredentials(origin), dirty }
}

/** A remote URL without any `user:password@` (tokens in https remotes must not reach the server). */
function withoutCredentials(remote: string): string {
  try {
    const url = new URL(remote)
    if (url.username === '' && url.password === '') return remote
    url.username = ''
    url.password = ''
    return url.toString()
  } catch {
    return remote
  }
}

/** `{name: installedVersion}` for the `dependencies` of the nearest package.json above `dir`. */
async function installedDependencies(dir: string): Promise<Record<string, string> | undefined> {
  const manifest = await findUp(dir, 'package.json')
  if (manifest === undefined) return undefined
  const declared =
    (JSON.parse(await readFile(manifest, 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {}
  const names = Object.keys(declared).sort()
  const versions = await Promise.all(names.map((name) => installedVersion(dirname(manifest), name)))
  const result: Record<string, string> = {}
  names.forEach((name, i) => {
    const version = versions[i]
    if (version !== undefined) result[name] = version
  })
  return result
}

async function findUp(dir: string, file: string): Promise<string | undefined> {
  for (let current = dir; ; current = dirname(current)) {
    const candidate = join(current, file)
    if (
      await access(candidate).then(
        () => true,
        () => false,
      )
    )
      return candidate
    if (dirname(current) === current) return undefined
  }
}

/** The version in `node_modules/<name>/package.json`, looked up as Node resolves packages. */
async function installedVersion(fromDir: string, name: string): Promise<string | undefined> {
  for (let current = fromDir; ; current = dirname(current)) {
    try {
      const pkg = JSON.parse(await readFile(join(current, 'node_modules', name, 'package.json'), 'utf8')) as {
        version?: unknown
      }
      if (typeof pkg.version === 'string') return pkg.version
    } catch {
      // not installed at this level: look further up
    }
    if (dirname(current) === current) return undefined
  }
}

/**
 * The dependencies as JSON within `max` characters: when they do not all fit, the first ones (by
 * name) are kept and a final `"...": "<n> more"` entry counts the rest, so the value stays valid JSON.
 */
export function dependenciesJson(versions: Readonly<Record<string, string>>, max: number): string {
  const parts = Object.entries(versions).map(([name, version]) => `${JSON.stringify(name)}:${JSON.stringify(version)}`)
  const whole = `{${parts.join(',')}}`
  if (whole.length <= max) return whole
  const markerRoom = `,"...":"${parts.length} more"`.length
  let length = 2 + markerRoom
  let kept = 0
  for (const part of parts) {
    if (length + part.length + 1 > max) break
    length += part.length + 1
    kept++
  }
  return `{${[...parts.slice(0, kept), `"...":"${parts.length - kept} more"`].join(',')}}`
}
