/**
 * Where artifact bytes go: the server's artifact proxy over HTTP (`mlflow-artifacts:` URIs), or a
 * local directory (`file://` URIs and plain paths, as `mlflow server --no-serve-artifacts` gives).
 * Both stream: files are never read whole into memory.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import type { Dirent } from 'node:fs'
import { type FileHandle, copyFile, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, extname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { type FileInfo, KeelError, fileInfoWire, fileInfoFromWire } from '@keel/contracts'
import type { HttpClient } from './http.js'

/** Primitive operations on one artifact root; paths are relative to it, '/'-separated, validated. */
export interface ArtifactStore {
  /** Uploads a local file, streamed from disk. */
  putFile(localFile: string, path: string): Promise<void>
  putBytes(data: Uint8Array, path: string): Promise<void>
  /** Entries directly under `dir` ('' is the root), with paths relative to the root; [] when missing. */
  list(dir: string): Promise<FileInfo[]>
  /** Downloads one file, streamed to disk. */
  getFile(path: string, localFile: string): Promise<void>
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.yaml': 'application/x-yaml',
  '.yml': 'application/x-yaml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
}

const contentType = (path: string): string => CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'

const READ_CHUNK_BYTES = 1 << 20

/**
 * A file as a web stream read 1 MiB at a time (several times faster with fetch than
 * `Readable.toWeb(createReadStream())`); only the chunks in flight are in memory.
 */
function fileStream(path: string): ReadableStream<Uint8Array> {
  let file: FileHandle | undefined
  return new ReadableStream<Uint8Array>({
    async start() {
      file = await open(path, 'r')
    },
    async pull(controller) {
      const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES)
      const { bytesRead } = await file!.read(chunk, 0, READ_CHUNK_BYTES, null)
      if (bytesRead > 0) return controller.enqueue(chunk.subarray(0, bytesRead))
      await file!.close()
      controller.close()
    },
    async cancel() {
      await file?.close()
    },
  })
}

const child = (dir: string, name: string): string => (dir === '' ? name : name === '' ? dir : `${dir}/${name}`)

/** Writes a stream to `localFile` through a temporary sibling, so a failed download leaves no partial file. */
async function writeAtomically(localFile: string, write: (tmp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(localFile), { recursive: true })
  const tmp = `${localFile}.${randomBytes(4).toString('hex')}.part`
  try {
    await write(tmp)
    await rename(tmp, localFile)
  } catch (error) {
    await rm(tmp, { force: true })
    throw error
  }
}

/** The artifact proxy of an MLflow-compatible server: `PUT`/`GET <endpoint>/<root>/<path>`, `GET <endpoint>?path=`. */
export class HttpArtifactStore implements ArtifactStore {
  /**
   * @param endpoint e.g. `http://host:5000/api/2.0/mlflow-artifacts/artifacts`
   * @param root the artifact root below the endpoint, e.g. `1/<run_id>/artifacts`
   */
  constructor(
    private readonly http: HttpClient,
    readonly endpoint: string,
    readonly root: string,
  ) {}

  private url(path: string): string {
    const full = child(this.root, path)
      .split('/')
      .filter((s) => s !== '')
    return `${this.endpoint}/${full.map(encodeURIComponent).join('/')}`
  }

  async putFile(localFile: string, path: string): Promise<void> {
    await this.put(path, () => fileStream(localFile))
  }

  async putBytes(data: Uint8Array, path: string): Promise<void> {
    await this.put(path, () => data)
  }

  private async put(path: string, body: () => ReadableStream<Uint8Array> | Uint8Array): Promise<void> {
    const headers = { 'content-type': contentType(path) }
    const res = await this.http.send(this.url(path), { method: 'PUT', headers, body, transfer: true })
    await res.body?.cancel()
  }

  async list(dir: string): Promise<FileInfo[]> {
    const query = new URLSearchParams({ path: child(this.root, dir) })
    const res = await this.http.send(`${this.endpoint}?${query}`, {
      method: 'GET',
      headers: { accept: 'application/json' },
    })
    const text = await res.text()
    const body = (text.trim() === '' ? {} : JSON.parse(text)) as { files?: unknown }
    const files = Array.isArray(body.files) ? body.files : []
    return files.map((raw) => {
      const info = fileInfoFromWire(fileInfoWire.parse(raw))
      if (info.path === '' || info.path === '.' || info.path === '..' || /[\\/]/.test(info.path)) {
        throw new KeelError('INTERNAL_ERROR', `Artifact listing of '${dir}' returned an unsafe name '${info.path}'`)
      }
      return { ...info, path: child(dir, info.path) }
    })
  }

  async getFile(path: string, localFile: string): Promise<void> {
    const res = await this.http.send(this.url(path), { method: 'GET', transfer: true })
    await writeAtomically(localFile, async (tmp) => {
      if (res.body === null) return writeFile(tmp, '')
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(tmp))
    })
  }
}

/** A local directory (or a mounted volume) used directly as the artifact root. */
export class LocalArtifactStore implements ArtifactStore {
  constructor(readonly rootDir: string) {}

  private local(path: string): string {
    return join(this.rootDir, ...path.split('/'))
  }

  async putFile(localFile: string, path: string): Promise<void> {
    const target = this.local(path)
    await writeAtomically(target, (tmp) => copyFile(localFile, tmp))
  }

  async putBytes(data: Uint8Array, path: string): Promise<void> {
    await writeAtomically(this.local(path), (tmp) => writeFile(tmp, data))
  }

  async list(dir: string): Promise<FileInfo[]> {
    let entries: Dirent[]
    try {
      entries = await readdir(this.local(dir), { withFileTypes: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
        return []
      throw error
    }
    const infos = await Promise.all(
      entries.map(async (e): Promise<FileInfo> => {
        const path = child(dir, e.name)
        if (e.isDirectory()) return { path, isDir: true }
        return { path, isDir: false, fileSize: (await stat(this.local(path))).size }
      }),
    )
    return infos.sort((a, b) => a.path.localeCompare(b.path))
  }

  async getFile(path: string, localFile: string): Promise<void> {
    await writeAtomically(localFile, (tmp) => copyFile(this.local(path), tmp))
  }
}
