/**
 * A run's (or logged model's) artifacts: upload files, folders, text and JSON; list; download
 * files or folders. `resolveArtifactRepository` picks the store from the artifact URI.
 */
import { mkdir, readdir, stat } from 'node:fs/promises'
import { basename, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type FileInfo, KeelError } from '@keel/contracts'
import { type ArtifactStore, HttpArtifactStore, LocalArtifactStore } from './artifact-stores.js'
import type { HttpClient } from './http.js'

const PROXY_PATH = '/api/2.0/mlflow-artifacts/artifacts'
const CONCURRENCY = 4

/** Normalises a relative artifact path: '/'-separated, no empty or '.' segments; refuses '..'. */
export function normalizeArtifactPath(path: string | undefined): string {
  const segments = (path ?? '').split(/[\\/]/).filter((s) => s !== '' && s !== '.')
  if (segments.includes('..')) throw KeelError.invalid(`Artifact path '${path}' must not contain '..'`)
  return segments.join('/')
}

const joinPath = (...parts: (string | undefined)[]): string => normalizeArtifactPath(parts.filter(Boolean).join('/'))

/** Runs `task` over `items`, at most `CONCURRENCY` at a time; the first failure rejects. */
async function forEachLimited<T>(items: readonly T[], task: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) await task(items[i] as T)
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker))
}

/** The files below a local directory, as paths relative to it ('/'-separated). */
async function localFiles(dir: string, prefix = ''): Promise<string[]> {
  const files: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`
    if (entry.isDirectory()) files.push(...(await localFiles(join(dir, entry.name), rel)))
    else if (entry.isFile() || entry.isSymbolicLink()) files.push(rel)
  }
  return files
}

export class ArtifactRepository {
  constructor(
    /** The artifact root URI, e.g. `mlflow-artifacts:/1/<run_id>/artifacts`. */
    readonly artifactUri: string,
    private readonly store: ArtifactStore,
  ) {}

  /** Uploads one local file as `<artifactPath>/<file name>`, streamed from disk. */
  async logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    if (!(await stat(localPath)).isFile())
      throw KeelError.invalid(`'${localPath}' is not a file; use logArtifacts for a folder`)
    await this.store.putFile(localPath, joinPath(artifactPath, basename(localPath)))
  }

  /** Uploads the contents of a local folder, recursively, under `artifactPath` (relative paths kept). */
  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    if (!(await stat(localDir)).isDirectory())
      throw KeelError.invalid(`'${localDir}' is not a folder; use logArtifact for a file`)
    const files = await localFiles(localDir)
    await forEachLimited(files, (rel) =>
      this.store.putFile(join(localDir, ...rel.split('/')), joinPath(artifactPath, rel)),
    )
  }

  /** Stores `text` (UTF-8) as the artifact `artifactFile`, e.g. `notes/summary.md`. */
  async logText(text: string, artifactFile: string): Promise<void> {
    await this.store.putBytes(Buffer.from(text, 'utf8'), this.filePath(artifactFile))
  }

  /** Stores `value` as indented JSON (also valid YAML, so `.yaml`/`.yml` names work too). */
  async logDict(value: unknown, artifactFile: string): Promise<void> {
    await this.logText(`${JSON.stringify(value, null, 2)}\n`, artifactFile)
  }

  /** The entries directly under `path` (default: the root), with paths relative to the root. */
  async listArtifacts(path?: string): Promise<FileInfo[]> {
    return this.store.list(normalizeArtifactPath(path))
  }

  /**
   * Downloads the file or folder at `path` (default: everything) into `dstDir`, keeping the
   * artifact layout; returns the local path of what was downloaded.
   */
  async downloadArtifacts(path: string | undefined, dstDir: string): Promise<string> {
    const rel = normalizeArtifactPath(path)
    const root = resolve(dstDir)
    const target = rel === '' ? root : join(root, ...rel.split('/'))
    const files = (await this.isDirectory(rel)) ? await this.remoteFiles(rel) : [rel]
    await forEachLimited(files, (file) => this.store.getFile(file, join(root, ...file.split('/'))))
    if (files.length === 0) await mkdir(target, { recursive: true })
    return target
  }

  private filePath(artifactFile: string): string {
    const path = normalizeArtifactPath(artifactFile)
    if (path === '') throw KeelError.invalid('An artifact file name is required')
    return path
  }

  private async isDirectory(rel: string): Promise<boolean> {
    if (rel === '') return true
    const parent = rel.slice(0, Math.max(0, rel.lastIndexOf('/')))
    const entry = (await this.store.list(parent)).find((e) => e.path === rel)
    if (entry === undefined) throw KeelError.notFound(`No artifact at '${rel}' under ${this.artifactUri}`)
    return entry.isDir
  }

  private async remoteFiles(dir: string): Promise<string[]> {
    const files: string[] = []
    for (const entry of await this.store.list(dir)) {
      if (entry.isDir) files.push(...(await this.remoteFiles(entry.path)))
      else files.push(entry.path)
    }
    return files
  }
}

/**
 * The repository of an artifact URI: `mlflow-artifacts:/<path>` (or `mlflow-artifacts://host:port/<path>`,
 * whose host replaces the tracking server's) and `http(s)://…/api/2.0/mlflow-artifacts/artifacts/<path>`
 * go through the server's proxy; `file://` URIs and absolute paths are read and written locally.
 */
export function resolveArtifactRepository(artifactUri: string, http: HttpClient): ArtifactRepository {
  return new ArtifactRepository(artifactUri, resolveArtifactStore(artifactUri, http))
}

function resolveArtifactStore(artifactUri: string, http: HttpClient): ArtifactStore {
  if (artifactUri.startsWith('mlflow-artifacts:')) {
    const uri = new URL(artifactUri)
    const server = new URL(http.baseUrl)
    if (uri.host !== '') server.host = uri.host
    const endpoint = `${server.origin}${server.pathname.replace(/\/+$/, '')}${PROXY_PATH}`
    return new HttpArtifactStore(http, endpoint, normalizeArtifactPath(decodeURIComponent(uri.pathname)))
  }
  if (/^https?:\/\//.test(artifactUri) && artifactUri.includes(PROXY_PATH)) {
    const [base = '', root = ''] = artifactUri.split(PROXY_PATH, 2)
    return new HttpArtifactStore(http, `${base}${PROXY_PATH}`, normalizeArtifactPath(decodeURIComponent(root)))
  }
  if (artifactUri.startsWith('file:')) return new LocalArtifactStore(fileURLToPath(artifactUri))
  if (isAbsolute(artifactUri)) return new LocalArtifactStore(artifactUri)
  if (/^s3:\/\//i.test(artifactUri)) {
    // A server started with an s3:// --default-artifact-root and no proxy: clients write to the
    // bucket themselves. The SDK speaks only to the server (no cloud credentials, no AWS SDK).
    throw new KeelError(
      'NOT_IMPLEMENTED',
      `Artifact URI '${artifactUri}' is in S3, which keel-sdk does not write to directly: start the server with ` +
        '--artifacts-destination s3://bucket/prefix (and no --default-artifact-root) so that artifacts go through its ' +
        "proxy, or set the experiment's artifact location to mlflow-artifacts:",
    )
  }
  throw new KeelError(
    'NOT_IMPLEMENTED',
    `Artifact URI '${artifactUri}' is not supported by keel-sdk: use a server that proxies artifacts (mlflow-artifacts:) or a local path`,
  )
}
