/**
 * `ArtifactRepository` over a local folder (`--artifacts-destination`). Uploads stream into a hidden
 * temp file beside their target (`.<name>.<random>.tmp`), are fsynced and renamed into place, so a
 * reader sees the old file or the complete new one. Symbolic links are never created, listed or
 * walked; the safe-path gate refuses any that would lead outside the root.
 */
import type { Dirent } from 'node:fs'
import { lstat, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { KeelError } from '@keel/contracts'
import { hasErrnoCode } from './errno.js'
import type { ArtifactBody, ArtifactFileInfo, ArtifactRepository, PutOptions } from './artifact-repository.js'
import { normalizeArtifactPath, resolveInside } from './safe-path.js'
import {
  checkDeclaredSize,
  meteredBody,
  statfsFreeBytes,
  type FreeSpaceProbe,
  type UploadLimits,
} from './upload-limits.js'
import {
  MULTIPART_FOLDER,
  removeEmptyFolders,
  sweepStaleUploads,
  tempFileName,
  TEMP_FILE,
} from './upload-temp-files.js'

export interface LocalRepositoryOptions {
  /** How free space is measured (tests inject one); statfs by default. */
  readonly freeBytes?: FreeSpaceProbe
}

function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

export class LocalArtifactRepository implements ArtifactRepository {
  readonly root: string

  private readonly freeBytes: FreeSpaceProbe
  /** Puts in progress, so that a closing server can let them clean up after themselves. */
  private readonly inFlight = new Set<Promise<unknown>>()

  /** The folder need not exist: it is created by the first `put`. */
  constructor(root: string, options: LocalRepositoryOptions = {}) {
    this.root = path.resolve(root)
    this.freeBytes = options.freeBytes ?? statfsFreeBytes
  }

  put(artifactPath: string, body: ArtifactBody, options: PutOptions = {}): Promise<{ size: number }> {
    const done = this.write(artifactPath, body, options)
    const tracked = done.catch(() => undefined).finally(() => this.inFlight.delete(tracked))
    this.inFlight.add(tracked)
    return done
  }

  /** Resolves once every put in progress has finished, its temp file renamed or removed. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight)
  }

  private async write(artifactPath: string, body: ArtifactBody, options: PutOptions): Promise<{ size: number }> {
    const relative = this.gate(artifactPath)
    if (relative === '') throw KeelError.invalid('Cannot write an artifact to the root folder')
    const target = await resolveInside(this.root, relative)
    const folder = path.dirname(target)
    const limits: UploadLimits = {
      name: relative,
      maxBytes: options.maxBytes ?? Number.POSITIVE_INFINITY,
      ...(options.expectedBytes !== undefined && { expectedBytes: options.expectedBytes }),
      minFreeBytes: options.minFreeBytes ?? 0,
      freeBytes: this.freeBytes,
      folder,
    }
    // Before anything is created: a refused upload leaves no trace.
    await checkDeclaredSize(limits)
    // The first folder this put created (undefined if all existed): removed again if it fails.
    let created: string | undefined
    const makeFolder = async () => {
      const first = await mkdir(folder, { recursive: true }).catch((error: unknown) => {
        if (hasErrnoCode(error, 'EEXIST', 'ENOTDIR'))
          throw KeelError.invalid(`A parent of artifact '${relative}' is a file`)
        throw error
      })
      created ??= first
    }
    await makeFolder()
    if ((await lstat(target).catch(() => undefined))?.isDirectory()) {
      throw KeelError.invalid(`Artifact '${relative}' is a folder; cannot overwrite it with a file`)
    }

    const temp = path.join(folder, tempFileName(path.basename(target)))
    // A failed upload beside this one may have removed the folder it created in the meantime.
    const handle = await open(temp, 'wx').catch(async (error: unknown) => {
      if (!hasErrnoCode(error, 'ENOENT')) throw error
      await makeFolder()
      return open(temp, 'wx')
    })
    let size = 0
    const countBytes = async function* (source: AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array> {
      for await (const bytes of meteredBody(source, limits)) {
        size += bytes.byteLength
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
      if (created !== undefined) await removeEmptyFolders(folder, path.dirname(created))
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
    const entries = await visibleEntries(folder, relative === '')
    const infos = await Promise.all(entries.map((entry) => describe(folder, entry, entry.name)))
    return infos.filter((info) => info !== undefined)
  }

  async *walk(dir: string): AsyncIterable<ArtifactFileInfo> {
    const relative = this.gate(dir)
    yield* walkFolder(await resolveInside(this.root, relative), '', relative === '')
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

  /**
   * Removes the temp files of uploads that died with their process (SIGKILL, power loss): those
   * untouched for `olderThanMs` (an hour by default). Returns how many it removed.
   */
  sweepStaleUploads(olderThanMs?: number): Promise<number> {
    return sweepStaleUploads(this.root, olderThanMs)
  }

  /** The safe-path gate plus this backend's own rule: temp-file names are reserved. */
  private gate(raw: string): string {
    const relative = normalizeArtifactPath(raw)
    if (TEMP_FILE.test(path.posix.basename(relative))) {
      throw KeelError.invalid(
        `Invalid artifact path ${JSON.stringify(raw)}: the name is reserved for uploads in progress`,
      )
    }
    if (relative === MULTIPART_FOLDER || relative.startsWith(`${MULTIPART_FOLDER}/`)) {
      throw KeelError.invalid(
        `Invalid artifact path ${JSON.stringify(raw)}: ${MULTIPART_FOLDER} is reserved for multipart uploads in progress`,
      )
    }
    return relative
  }
}

function isFolder(relative: string): KeelError {
  return KeelError.invalid(`Artifact '${relative}' is a folder, not a file`)
}

/**
 * Regular files and folders of `folder`, sorted, without temp files (nor, at the root, the multipart
 * uploads' folder); `[]` if it is missing or a file.
 */
async function visibleEntries(folder: string, isRoot: boolean): Promise<Dirent[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((error: unknown) => {
    if (hasErrnoCode(error, 'ENOENT', 'ENOTDIR')) return []
    throw error
  })
  return entries
    .filter((entry) => (entry.isFile() && !TEMP_FILE.test(entry.name)) || entry.isDirectory())
    .filter((entry) => !(isRoot && entry.name === MULTIPART_FOLDER))
    .sort(byName)
}

async function* walkFolder(folder: string, prefix: string, isRoot: boolean): AsyncGenerator<ArtifactFileInfo> {
  for (const entry of await visibleEntries(folder, isRoot)) {
    const absolute = path.join(folder, entry.name)
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`
    if (entry.isDirectory()) {
      yield* walkFolder(absolute, relative, false)
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
