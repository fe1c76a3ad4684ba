/**
 * The temp files of uploads in progress (`.<name>.<random>.tmp`, beside their target) and the sweep
 * of those a crash left behind. A live upload writes its temp file continuously, and Node cuts any
 * request after `requestTimeout` (5 minutes), so a temp file unmodified for an hour belongs to no
 * live upload, in this process or any other sharing the folder (`--workers`, other hosts).
 */
import { randomBytes } from 'node:crypto'
import { readdir, rm, rmdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { hasErrnoCode } from './errno.js'

/** Names of in-progress uploads: hidden from `list`/`walk` and refused as artifact names. */
export const TEMP_FILE = /^\..*\.[0-9a-f]{12}\.tmp$/s

/**
 * The folder, at the artifact root, of multipart uploads in progress (local-multipart-uploads.ts):
 * hidden from `list`/`walk` and refused as an artifact path.
 */
export const MULTIPART_FOLDER = '.keel-mpu'

/** How long a temp file must have been left untouched before the sweep removes it. */
export const STALE_UPLOAD_MS = 60 * 60 * 1000

export function tempFileName(name: string): string {
  // 64 UTF-16 units are at most 192 UTF-8 bytes, which keeps the name under NAME_MAX.
  return `.${name.slice(0, 64)}.${randomBytes(6).toString('hex')}.tmp`
}

/**
 * Removes `folder` and its parents up to (not including) `stop` while they are empty: the folders a
 * failed upload created. A folder someone else has put a file in meanwhile stays.
 */
export async function removeEmptyFolders(folder: string, stop: string): Promise<void> {
  for (let at = folder; at !== stop && at.startsWith(`${stop}${path.sep}`); at = path.dirname(at)) {
    try {
      await rmdir(at)
    } catch {
      return // not empty, gone already, or not ours to remove
    }
  }
}

/**
 * Deletes the temp files under `root` unmodified for `olderThanMs`, and the folders that held
 * nothing else. Returns how many files it removed. Symbolic links are never followed.
 */
export async function sweepStaleUploads(
  root: string,
  olderThanMs = STALE_UPLOAD_MS,
  now = Date.now(),
): Promise<number> {
  let removed = 0
  const visit = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true }).catch((error: unknown) => {
      if (hasErrnoCode(error, 'ENOENT', 'ENOTDIR')) return []
      throw error
    })
    let swept = false
    for (const entry of entries) {
      const absolute = path.join(folder, entry.name)
      if (entry.isDirectory()) {
        await visit(absolute)
      } else if (entry.isFile() && TEMP_FILE.test(entry.name)) {
        const info = await stat(absolute).catch(() => undefined)
        if (info === undefined || now - info.mtimeMs < olderThanMs) continue
        await rm(absolute, { force: true })
        removed++
        swept = true
      }
    }
    if (swept) await removeEmptyFolders(folder, root)
  }
  await visit(root).catch((error: unknown) => {
    if (!hasErrnoCode(error, 'ENOENT')) throw error
  })
  return removed
}
