/**
 * `ArtifactRepository` over a local folder (`--artifacts-destination`). Uploads stream into a hidden
 * temp file beside their target (`.<name>.<random>.tmp`), are fsynced and renamed into place, so a
 * reader sees the old file or the complete new one. Symbolic links are never created, listed or
 * walked; the safe-path gate refuses any that would lead outside the root.
 */
import { randomBytes } from 'node:crypto'
import type { Dirent } from 'node:fs'
import { lstat, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { KeelError } from '@keel/contracts'
import { hasErrnoCode } from './errno.js'
import type { ArtifactBody, ArtifactFileInfo, ArtifactRepository, PutOptions } from './artifact-repository.js'
import { normalizeArtifactPath, resolveInside } from './safe-path.js'

/** Names of in-progress uploads: hidden from `list`/`walk` and refused as artifact names. */
const TEMP_FILE = /^\..*\.[0-9a-f]{12}\.tmp$/s

function tempFileName(name: string): string {
  // 64 UTF-16 units are at most 192 UTF-8 bytes, which keeps the name under NAME_MAX.
  return `.${name.slice(0, 64)}.${randomBytes(6).toString('hex')}.tmp`
}


function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

export class LocalArtifactRepository implements ArtifactRepository {
  readonly root: string

  /** The folder need not exist: it is created by the first `put`. */
  constructor(root: string) {
    this.root = path.resolve(root)
  }

  async put(artifactPath: string, body: ArtifactBody, options: PutOptions = {}): Promise<{ size: number }> {
    const relative = this.gate(artifactPath)
    if (relative === '') throw KeelError.invalid('Cannot write an artifact to the root folder')
    const target = await resolveInside(this.root, relative)
    const folder = path.dirname(target)
    await mkdir(folder, { recursive: true }).catch((error: unknown) => {
      if (hasErrnoCode(error, 'EEXIST', 'ENOTDIR')) throw KeelError.invalid(`A parent of artifact '${relative}' is a file`)
      throw error
    })
    if ((await lstat(target).catch(() => undefined))?.isDirectory()) {
      throw KeelError.invalid(`Artifact '${relative}' is a folder; cannot overwrite it with a file`)
    }

    const temp = path.join(folder, tempFileName(path.basename(target)))
    const handle = await open(temp, 'wx')
    let size = 0
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
    const countBytes = async function* (source: AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array> {
      for await (const chunk of source) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
        size += bytes.byteLength
        if (size > maxBytes) throw KeelError.invalid(`Artifact '${relative}' exceeds the limit of ${maxBytes} bytes`)
        yield bytes
      }
    }
    try {
      // The stream owns the handle: it fsyncs (`flush`) and closes it before the pipeline settles.
      await pipeline(body, countBytes, handle.createWriteStream({ flush: true }))
      await rename(temp, target)
    } catch (error) {
      await handle.close().catch(() => undefined) // the stream closes it; this waits, and must not mask `error`
      await rm(temp, { force: true })
      if (hasErrnoCode(error, 'EISDIR', 'ENOTEMPTY')) {
        throw KeelError.invalid(`Artifact '${relative}' is a folder; cannot overwrite it with a file`)
      }
      throw error
    }
    await syncFolder(folder)
    return { size }
  }

  async get(artifactPath: string): Promise<{ stream: Readable; size: number }> {
    const relative = this.gate(artifactPath)
    const file = await resolveInside(this.root, relative)
    const handle = await open(file, 'r').catch((error: unknown) => {
      if (hasErrnoCode(error, 'ENOENT', 'ENOTDIR')) throw KeelError.notFound(`Artifact '${relative}' does not exist`)
      if (hasErrnoCode(error, 'EISDIR')) throw isFolder(relative)
      throw error
    })
    try {
      const info = await handle.stat()
      if (info.isDirectory()) throw isFolder(relative)
      // The handle pins the inode: a concurrent put renames a new file in, this stream keeps the old.
      return { stream: handle.createReadStream(), size: info.size }
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  async list(dir: string): Promise<ArtifactFileInfo[]> {
    const relative = this.gate(dir)
    const folder = await resolveInside(this.root, relative)
    const infos = await Promise.all((await visibleEntries(folder)).map((entry) => describe(folder, entry, entry.name)))
    return infos.filter((info) => info !== undefined)
  }

  async *walk(dir: string): AsyncIterable<ArtifactFileInfo> {
    const relative = this.gate(dir)
    yield* walkFolder(await resolveInside(this.root, relative), '')
  }

  async delete(artifactPath: string): Promise<void> {
    const relative = this.gate(artifactPath)
    if (relative === '') throw KeelError.invalid('Refusing to delete the artifact root')
    const target = await resolveInside(this.root, relative)
    // `rm` removes a link, never what it points to, and ignores a missing target (`force`).
    await rm(target, { recursive: true, force: true }).catch((error: unknown) => {
      if (!hasErrnoCode(error, 'ENOTDIR')) throw error
    })
  }

  /** The safe-path gate plus this backend's own rule: temp-file names are reserved. */
  private gate(raw: string): string {
    const relative = normalizeArtifactPath(raw)
    if (TEMP_FILE.test(path.posix.basename(relative))) {
      throw KeelError.invalid(`Invalid artifact path ${JSON.stringify(raw)}: the name is reserved for uploads in progress`)
    }
    return relative
  }
}

function isFolder(relative: string): KeelError {
  return KeelError.invalid(`Artifact '${relative}' is a folder, not a file`)
}

/** Regular files and folders of `folder`, sorted, without temp files; `[]` if it is missing or a file. */
async function visibleEntries(folder: string): Promise<Dirent[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((error: unknown) => {
    if (hasErrnoCode(error, 'ENOENT', 'ENOTDIR')) return []
    throw error
  })
  return entries
    .filter((entry) => (entry.isFile() && !TEMP_FILE.test(entry.name)) || entry.isDirectory())
    .sort(byName)
}

async function* walkFolder(folder: string, prefix: string): AsyncGenerator<ArtifactFileInfo> {
  for (const entry of await visibleEntries(folder)) {
    const absolute = path.join(folder, entry.name)
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`
    if (entry.isDirectory()) {
      yield* walkFolder(absolute, relative)
    } else {
      const info = await describe(folder, entry, relative)
      if (info !== undefined) yield info
    }
  }
}

/** The entry as `reportedPath`, with its size if a file; undefined if it was deleted meanwhile. */
async function describe(folder: string, entry: Dirent, reportedPath: string): Promise<ArtifactFileInfo | undefined> {
  if (entry.isDirectory()) return { path: reportedPath, isDir: true }
  try {
    return { path: reportedPath, isDir: false, fileSize: (await stat(path.join(folder, entry.name))).size }
  } catch (error) {
    if (hasErrnoCode(error, 'ENOENT')) return undefined
    throw error
  }
}

/** Makes the rename durable. Windows cannot open a folder for fsync; NTFS journals the rename. */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return
  const handle = await open(folder, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
