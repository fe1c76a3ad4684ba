/**
 * The limits of an artifact upload: its size (`--max-artifact-size`) and the free space it must
 * leave on the artifact volume (`--min-free-disk`). Both are checked from the declared size before
 * anything is written, and again while the body streams (a chunked body declares nothing, and other
 * uploads share the disk).
 */
import { statfs } from 'node:fs/promises'
import path from 'node:path'
import { KeelError } from '@keel/contracts'
import { hasErrnoCode } from './errno.js'

/** `--max-artifact-size` by default: 5 GiB. */
export const DEFAULT_MAX_ARTIFACT_BYTES = 5 * 1024 ** 3
/** `--min-free-disk` by default: 1 GiB. */
export const DEFAULT_MIN_FREE_DISK_BYTES = 1024 ** 3

/** A put refused by a limit: `size` (the HTTP edge answers 413) or `disk` (507). */
export class ArtifactLimitError extends KeelError {
  constructor(
    readonly limit: 'size' | 'disk',
    message: string,
  ) {
    super(limit === 'size' ? 'INVALID_PARAMETER_VALUE' : 'TEMPORARILY_UNAVAILABLE', message)
  }
}

/** Bytes free to an unprivileged writer on the volume holding `target`. */
export type FreeSpaceProbe = (target: string) => Promise<number>

/** statfs of `target`, or of its nearest existing parent (the artifact root is created lazily). */
export const statfsFreeBytes: FreeSpaceProbe = async (target) => {
  for (let at = path.resolve(target); ; at = path.dirname(at)) {
    try {
      const s = await statfs(at)
      return s.bavail * s.bsize
    } catch (error) {
      if (!hasErrnoCode(error, 'ENOENT', 'ENOTDIR') || path.dirname(at) === at) throw error
    }
  }
}

export interface UploadLimits {
  /** The artifact's path, for messages. */
  readonly name: string
  readonly maxBytes: number
  /** What the client declared (Content-Length), if it did. */
  readonly expectedBytes?: number
  /** Free bytes the volume must keep; 0 turns the check off. */
  readonly minFreeBytes: number
  readonly freeBytes: FreeSpaceProbe
  /** Where the file goes: the probe's path. */
  readonly folder: string
}

/** While streaming, the free space is probed again after every this many bytes. */
const PROBE_EVERY = 8 * 1024 * 1024

export function tooLarge(limits: UploadLimits, size: number | undefined): ArtifactLimitError {
  const got = size === undefined ? '' : `it is ${size} bytes, and `
  return new ArtifactLimitError(
    'size',
    `Artifact '${limits.name}' is too large: ${got}this server accepts at most ${limits.maxBytes} bytes per artifact (keel server --max-artifact-size)`,
  )
}

/** Checks the declared size against both limits; throws before anything is written. */
export async function checkDeclaredSize(limits: UploadLimits): Promise<void> {
  if (limits.expectedBytes !== undefined && limits.expectedBytes > limits.maxBytes)
    throw tooLarge(limits, limits.expectedBytes)
  await checkFreeSpace(limits, limits.expectedBytes ?? 0)
}

async function checkFreeSpace(limits: UploadLimits, stillToWrite: number): Promise<void> {
  if (limits.minFreeBytes <= 0) return
  const free = await limits.freeBytes(limits.folder)
  if (free - stillToWrite < limits.minFreeBytes) {
    throw new ArtifactLimitError(
      'disk',
      `Not enough free disk space for artifact '${limits.name}': the artifact volume has ${free} bytes free and keeps at least ${limits.minFreeBytes} free (keel server --min-free-disk)`,
    )
  }
}

/** Passes `source` through, refusing it once it exceeds the size limit or the disk's reserve. */
export async function* meteredBody(
  source: AsyncIterable<Uint8Array | string>,
  limits: UploadLimits,
): AsyncGenerator<Uint8Array> {
  let size = 0
  let nextProbe = PROBE_EVERY
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    size += bytes.byteLength
    if (size > limits.maxBytes) throw tooLarge(limits, undefined)
    if (size >= nextProbe) {
      nextProbe = size + PROBE_EVERY
      // With a declared size, what is left of it; without, the next stretch.
      const left = limits.expectedBytes !== undefined ? Math.max(0, limits.expectedBytes - size) : PROBE_EVERY
      await checkFreeSpace(limits, left)
    }
    yield bytes
  }
}
