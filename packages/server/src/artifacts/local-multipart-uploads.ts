/**
 * MLflow's multipart uploads on a local artifact folder, which MLflow itself does not offer: keel
 * hands out part URLs that point at itself (`mpu/part/<upload id>/<n>?token=…`), keeps the parts in
 * `<root>/.keel-mpu/<upload id>/` (a folder the repository hides and refuses as an artifact path),
 * and on complete streams them, in order, through the repository's atomic put: the artifact appears
 * whole or not at all. Abort, or the sweep of uploads untouched for a day, removes the parts.
 *
 * A part URL is a capability, as S3's presigned URLs are: its token is an HMAC of the upload id and
 * part number under a secret kept in the upload's folder, so only the client that created the upload
 * (with EDIT on the artifact's experiment) can send its parts, and any replica sharing the folder
 * can check it.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { KeelError } from '@keel/contracts'
import type { ArtifactBody, PutOptions } from './artifact-repository.js'
import { hasErrnoCode } from './errno.js'
import type { LocalArtifactRepository } from './local-artifact-repository.js'
import {
  bareEtag,
  checkNumParts,
  checkParts,
  type CreatedUpload,
  type MultipartUploads,
  type PartUrl,
  type UploadedPart,
} from './multipart-uploads.js'
import { normalizeArtifactPath } from './safe-path.js'
import { meteredBody, statfsFreeBytes, type UploadLimits } from './upload-limits.js'
import { MULTIPART_FOLDER, tempFileName } from './upload-temp-files.js'

/** An upload untouched for this long belongs to no live client (parts are sent within the hour S3 allows). */
export const STALE_MULTIPART_MS = 24 * 60 * 60 * 1000

const UPLOAD_ID = /^[0-9a-f]{32}$/

interface Manifest {
  readonly target: string
  readonly numParts: number
  readonly secret: string
}

function token(secret: string, uploadId: string, partNumber: number): string {
  return createHmac('sha256', Buffer.from(secret, 'hex')).update(`${uploadId}/${partNumber}`).digest('hex')
}

export class LocalMultipartUploads implements MultipartUploads {
  private readonly area: string

  constructor(private readonly repo: LocalArtifactRepository) {
    this.area = path.join(repo.root, MULTIPART_FOLDER)
  }

  private folder(uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) {
      throw KeelError.notFound(
        `Multipart upload '${uploadId.slice(0, 80)}' does not exist (not an upload id of this server)`,
      )
    }
    return path.join(this.area, uploadId)
  }

  private async manifest(uploadId: string): Promise<Manifest> {
    const raw = await readFile(path.join(this.folder(uploadId), 'upload.json'), 'utf8').catch((error: unknown) => {
      if (hasErrnoCode(error, 'ENOENT')) {
        throw KeelError.notFound(
          `Multipart upload '${uploadId}' does not exist (never created, or already completed or aborted)`,
        )
      }
      throw error
    })
    return JSON.parse(raw) as Manifest
  }

  /** The upload's manifest, checked against the path the request names. */
  private async upload(target: string, uploadId: string): Promise<Manifest> {
    const relative = normalizeArtifactPath(target)
    const manifest = await this.manifest(uploadId)
    if (manifest.target !== relative) {
      throw KeelError.invalid(
        `Multipart upload '${uploadId}' is an upload of '${manifest.target}', not of '${relative}'`,
      )
    }
    return manifest
  }

  async create(target: string, numParts: number, partUrl: PartUrl): Promise<CreatedUpload> {
    const count = checkNumParts(numParts)
    const relative = normalizeArtifactPath(target)
    if (relative === '') throw KeelError.invalid('Cannot write an artifact to the root folder')
    const entries = await this.repo.list(path.posix.dirname(relative) === '.' ? '' : path.posix.dirname(relative))
    if (entries.some((e) => e.isDir && e.path === path.posix.basename(relative))) {
      throw KeelError.invalid(`Artifact '${relative}' is a folder; cannot overwrite it with a file`)
    }
    const uploadId = randomBytes(16).toString('hex')
    const manifest: Manifest = { target: relative, numParts: count, secret: randomBytes(32).toString('hex') }
    const folder = this.folder(uploadId)
    await mkdir(folder, { recursive: true })
    await writeFile(path.join(folder, 'upload.json'), JSON.stringify(manifest), { flag: 'wx' })
    const credentials = []
    for (let partNumber = 1; partNumber <= count; partNumber++) {
      credentials.push({
        url: partUrl(uploadId, partNumber, token(manifest.secret, uploadId, partNumber)),
        partNumber,
        headers: {},
      })
    }
    return { uploadId, credentials }
  }

  readonly putPart = async (
    uploadId: string,
    partNumber: number,
    partToken: string,
    body: ArtifactBody,
    options: PutOptions = {},
  ): Promise<{ etag: string }> => {
    const manifest = await this.manifest(uploadId)
    const expected = Buffer.from(token(manifest.secret, uploadId, partNumber), 'hex')
    const given = Buffer.from(/^[0-9a-f]{64}$/.test(partToken) ? partToken : '', 'hex')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new KeelError(
        'PERMISSION_DENIED',
        `Invalid token for part ${partNumber} of multipart upload '${uploadId}': use the part URLs mpu/create returned`,
      )
    }
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > manifest.numParts) {
      throw KeelError.invalid(`Invalid part number ${partNumber}: this upload has parts 1 to ${manifest.numParts}`)
    }
    const folder = this.folder(uploadId)
    const limits: UploadLimits = {
      name: `${manifest.target} (part ${partNumber})`,
      maxBytes: options.maxBytes ?? Number.POSITIVE_INFINITY,
      ...(options.expectedBytes !== undefined && { expectedBytes: options.expectedBytes }),
      minFreeBytes: options.minFreeBytes ?? 0,
      freeBytes: statfsFreeBytes,
      folder,
    }
    const md5 = createHash('md5')
    const hashed = async function* (source: AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array> {
      for await (const bytes of meteredBody(source, limits)) {
        md5.update(bytes)
        yield bytes
      }
    }
    const temp = path.join(folder, tempFileName(`part-${partNumber}`))
    const handle = await open(temp, 'wx').catch((error: unknown) => {
      if (hasErrnoCode(error, 'ENOENT')) throw KeelError.notFound(`Multipart upload '${uploadId}' was aborted`)
      throw error
    })
    try {
      await pipeline(body, hashed, handle.createWriteStream({ flush: true }))
      const etag = md5.digest('hex')
      await writeFile(path.join(folder, `part-${partNumber}.etag`), etag)
      await rename(temp, path.join(folder, `part-${partNumber}`))
      return { etag: `"${etag}"` }
    } catch (error) {
      await handle.close().catch(() => undefined)
      await rm(temp, { force: true })
      throw error
    }
  }

  async complete(
    target: string,
    uploadId: string,
    parts: readonly UploadedPart[],
    options: PutOptions = {},
  ): Promise<void> {
    const manifest = await this.upload(target, uploadId)
    checkParts(parts, manifest.numParts)
    const folder = this.folder(uploadId)
    for (const part of parts) {
      const stored = await readFile(path.join(folder, `part-${part.partNumber}.etag`), 'utf8').catch(() => undefined)
      const present = await stat(path.join(folder, `part-${part.partNumber}`)).catch(() => undefined)
      if (stored === undefined || present === undefined) {
        throw KeelError.invalid(`Part ${part.partNumber} of multipart upload '${uploadId}' was not uploaded`)
      }
      const given = bareEtag(part.etag)
      if (given && given !== stored) {
        throw KeelError.invalid(
          `Part ${part.partNumber} of multipart upload '${uploadId}': its etag '${given}' is not the part's`,
        )
      }
    }
    async function* assembled(): AsyncGenerator<Uint8Array> {
      for (const part of parts) yield* createReadStream(path.join(folder, `part-${part.partNumber}`))
    }
    const { expectedBytes: _ignored, ...limits } = options
    await this.repo.put(manifest.target, assembled(), limits)
    await rm(folder, { recursive: true, force: true })
  }

  async abort(target: string, uploadId: string): Promise<void> {
    await this.upload(target, uploadId)
    await rm(this.folder(uploadId), { recursive: true, force: true })
  }

  /** Removes uploads whose newest file is older than `olderThanMs`; how many. */
  async sweepStale(olderThanMs = STALE_MULTIPART_MS, now = Date.now()): Promise<number> {
    const uploads = await readdir(this.area).catch(() => [])
    let removed = 0
    for (const id of uploads) {
      if (!UPLOAD_ID.test(id)) continue
      const folder = path.join(this.area, id)
      const files = await readdir(folder).catch(() => [])
      const times = await Promise.all(
        files.map((f) =>
          stat(path.join(folder, f)).then(
            (s) => s.mtimeMs,
            () => 0,
          ),
        ),
      )
      const newest = Math.max((await stat(folder).catch(() => undefined))?.mtimeMs ?? 0, ...times)
      if (now - newest < olderThanMs) continue
      await rm(folder, { recursive: true, force: true })
      removed++
    }
    return removed
  }
}
