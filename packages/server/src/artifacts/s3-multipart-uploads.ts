/**
 * MLflow's multipart uploads on S3, as MLflow's S3ArtifactRepository does them: CreateMultipartUpload,
 * one presigned UploadPart URL per part (the client PUTs the parts to S3 itself, so the bytes never
 * pass through keel), then CompleteMultipartUpload with the parts' ETags, or AbortMultipartUpload.
 * Presigned downloads: a GetObject URL with an attachment disposition, and the object's size.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { KeelError } from '@keel/contracts'
import {
  bareEtag,
  checkNumParts,
  checkParts,
  type CreatedUpload,
  type MultipartUploads,
  type PresignedDownload,
  type UploadedPart,
} from './multipart-uploads.js'
import type { S3ArtifactRepository } from './s3-artifact-repository.js'
import { s3ErrorName } from './s3-client.js'
import { normalizeArtifactPath } from './safe-path.js'

/** boto3's `generate_presigned_url` default, which MLflow's part URLs get. */
const PART_URL_SECONDS = 3600

function presignedDownloadSeconds(): number {
  // MLflow's server variable (default 300 s); S3 caps a signature at 7 days.
  const raw = Number(process.env.MLFLOW_PRESIGNED_DOWNLOAD_URL_TTL_SECONDS ?? 300)
  return Number.isInteger(raw) && raw >= 1 && raw <= 604_800 ? raw : 300
}

export class S3MultipartUploads implements MultipartUploads {
  /**
   * `signer` presigns the part and download URLs: a client for the same endpoint and credentials,
   * made with `requestChecksumCalculation: 'WHEN_REQUIRED'`, so that a URL asks for no checksum the
   * client would have to send (MLflow's client sends none).
   */
  constructor(
    private readonly repo: S3ArtifactRepository,
    private readonly signer: S3Client,
  ) {}

  private key(target: string): { relative: string; key: string } {
    const relative = normalizeArtifactPath(target)
    if (relative === '') throw KeelError.invalid('Cannot write an artifact to the root folder')
    return { relative, key: this.repo.keyOf(relative) }
  }

  async create(target: string, numParts: number): Promise<CreatedUpload> {
    const count = checkNumParts(numParts)
    const { relative, key } = this.key(target)
    await this.repo.checkWritable(relative)
    const { UploadId } = await this.repo.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.repo.bucket, Key: key }),
    )
    const uploadId = UploadId!
    const credentials = []
    for (let partNumber = 1; partNumber <= count; partNumber++) {
      const url = await getSignedUrl(
        this.signer,
        new UploadPartCommand({ Bucket: this.repo.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber }),
        { expiresIn: PART_URL_SECONDS },
      )
      credentials.push({ url, partNumber, headers: {} })
    }
    return { uploadId, credentials }
  }

  async complete(target: string, uploadId: string, parts: readonly UploadedPart[]): Promise<void> {
    const { relative, key } = this.key(target)
    checkUploadId(uploadId)
    checkParts(parts)
    const missingEtag = parts.find((p) => !bareEtag(p.etag))
    if (missingEtag) throw KeelError.invalid(`Invalid parts: part ${missingEtag.partNumber} has no etag`)
    // S3 checks the parts too, but names the problem less clearly (and some S3-compatible servers
    // answer an unknown upload id with a 500): the uploaded parts first, then each one asked for.
    const uploaded = await this.uploadedParts(key, uploadId).catch((error: unknown) => {
      throw uploadError(error, relative, uploadId)
    })
    for (const part of parts) {
      const etag = uploaded.get(part.partNumber)
      if (etag === undefined) {
        throw KeelError.invalid(`Part ${part.partNumber} of multipart upload '${uploadId}' was not uploaded`)
      }
      if (etag !== bareEtag(part.etag)) {
        throw KeelError.invalid(
          `Part ${part.partNumber} of multipart upload '${uploadId}': its etag '${bareEtag(part.etag)}' is not the part's`,
        )
      }
    }
    await this.repo.client
      .send(
        new CompleteMultipartUploadCommand({
          Bucket: this.repo.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      )
      .catch((error: unknown) => {
        throw uploadError(error, relative, uploadId)
      })
  }

  /** The parts S3 holds for the upload: part number to bare ETag. */
  private async uploadedParts(key: string, uploadId: string): Promise<Map<number, string>> {
    const parts = new Map<number, string>()
    let marker: string | undefined
    do {
      const page = await this.repo.client.send(
        new ListPartsCommand({
          Bucket: this.repo.bucket,
          Key: key,
          UploadId: uploadId,
          ...(marker !== undefined && { PartNumberMarker: marker }),
        }),
      )
      for (const part of page.Parts ?? []) parts.set(part.PartNumber!, bareEtag(part.ETag) ?? '')
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined
    } while (marker !== undefined)
    return parts
  }

  async abort(target: string, uploadId: string): Promise<void> {
    const { relative, key } = this.key(target)
    checkUploadId(uploadId)
    await this.repo.client
      .send(new AbortMultipartUploadCommand({ Bucket: this.repo.bucket, Key: key, UploadId: uploadId }))
      .catch((error: unknown) => {
        throw uploadError(error, relative, uploadId)
      })
  }

  readonly presignedDownload = async (path: string): Promise<PresignedDownload> => {
    const relative = normalizeArtifactPath(path)
    const fileSize = await this.repo.size(relative)
    if (fileSize === undefined) throw KeelError.notFound(`Artifact '${relative}' does not exist`)
    const name = relative.split('/').pop()!.replace(/\\/g, '\\\\').replace(/"/g, '\\"')
    const url = await getSignedUrl(
      this.signer,
      new GetObjectCommand({
        Bucket: this.repo.bucket,
        Key: this.repo.keyOf(relative),
        ResponseContentDisposition: `attachment; filename="${name}"`,
      }),
      { expiresIn: presignedDownloadSeconds() },
    )
    return { url, headers: {}, fileSize }
  }
}

function checkUploadId(uploadId: string): void {
  if (uploadId === '') throw KeelError.invalid('Missing upload_id: complete and abort name the upload create returned')
}

/** S3's refusals of a complete or abort, as 4xx naming the problem. */
function uploadError(error: unknown, relative: string, uploadId: string): unknown {
  const name = s3ErrorName(error)
  const detail = error instanceof Error ? error.message : String(error)
  if (name === 'NoSuchUpload') {
    return KeelError.notFound(
      `Multipart upload '${uploadId}' of '${relative}' does not exist (never created, or already completed or aborted)`,
    )
  }
  if (name === 'InvalidPart' || name === 'InvalidPartOrder' || name === 'EntityTooSmall' || name === 'InvalidRequest') {
    return KeelError.invalid(`Cannot complete multipart upload '${uploadId}' of '${relative}': ${detail}`)
  }
  return error
}
