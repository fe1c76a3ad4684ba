/**
 * MLflow's multipart uploads of proxied artifacts (`mlflow-artifacts/mpu/create|complete|abort`):
 * the client asks for an upload of a file into a folder, gets one URL per part, PUTs the parts there
 * in parallel, then completes (or aborts) the upload. On S3 the part URLs are S3's own, presigned;
 * on a local folder they point back at keel, which keeps the parts until the upload completes.
 */
import { KeelError } from '@keel/contracts'
import type { ArtifactBody, PutOptions } from './artifact-repository.js'

/** S3's limit, which MLflow's client follows. */
export const MAX_PARTS = 10_000

export interface UploadCredential {
  readonly url: string
  readonly partNumber: number
  readonly headers: Readonly<Record<string, string>>
}

export interface CreatedUpload {
  readonly uploadId: string
  readonly credentials: readonly UploadCredential[]
}

export interface UploadedPart {
  readonly partNumber: number
  /** What the part's PUT answered in its ETag header (S3 checks it; so does keel). */
  readonly etag?: string | undefined
}

export interface PresignedDownload {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly fileSize: number
}

/** Where keel itself takes a part (local store): an absolute URL carrying the part's token. */
export type PartUrl = (uploadId: string, partNumber: number, token: string) => string

export interface MultipartUploads {
  /** `target`: the artifact's path (folder from the URL plus the file's name). */
  create(target: string, numParts: number, partUrl: PartUrl): Promise<CreatedUpload>
  complete(target: string, uploadId: string, parts: readonly UploadedPart[], options?: PutOptions): Promise<void>
  abort(target: string, uploadId: string): Promise<void>
  /** Stores a part sent to keel's own part URL; absent where parts go straight to the backend (S3). */
  readonly putPart?: (
    uploadId: string,
    partNumber: number,
    token: string,
    body: ArtifactBody,
    options?: PutOptions,
  ) => Promise<{ etag: string }>
  /** A URL the client downloads from directly (S3); absent on a local folder, as in MLflow. */
  readonly presignedDownload?: (path: string) => Promise<PresignedDownload>
}

export function checkNumParts(numParts: unknown): number {
  if (typeof numParts !== 'number' || !Number.isInteger(numParts) || numParts < 1 || numParts > MAX_PARTS) {
    throw KeelError.invalid(`Invalid num_parts ${JSON.stringify(numParts)}: expected an integer from 1 to ${MAX_PARTS}`)
  }
  return numParts
}

/** The parts of a complete request: at least one, part numbers ascending without repeats, within `numParts`. */
export function checkParts(parts: readonly UploadedPart[], numParts = MAX_PARTS): void {
  if (parts.length === 0) throw KeelError.invalid('Invalid parts: a multipart upload completes with at least one part')
  let previous = 0
  for (const part of parts) {
    const n = part.partNumber
    if (!Number.isInteger(n) || n < 1 || n > numParts) {
      throw KeelError.invalid(`Invalid part_number ${JSON.stringify(n)}: expected an integer from 1 to ${numParts}`)
    }
    if (n <= previous) {
      throw KeelError.invalid(
        `Invalid parts: part numbers must be in ascending order without repeats (${n} after ${previous})`,
      )
    }
    previous = n
  }
}

/** An ETag without its quotes (clients echo it either way). */
export function bareEtag(etag: string | undefined): string | undefined {
  return etag?.replace(/^"(.*)"$/, '$1')
}
