/**
 * `ArtifactRepository` over an S3 bucket and prefix (`--artifacts-destination s3://bucket/prefix`, or
 * an `s3://` `--default-artifact-root` the server reads from). Uploads stream through
 * `@aws-sdk/lib-storage` (one PutObject when the body fits a part, a multipart upload otherwise, at
 * most `queueSize` parts of `partSize` in memory): an object appears only once complete, and a body
 * that fails midway aborts the multipart upload, so nothing partial is ever visible. Downloads stream
 * the GetObject body.
 *
 * Keys: every path passes the same gate as on disk (`normalizeArtifactPath`: no `..`, encoded dots,
 * backslashes, absolute paths), then becomes `<prefix>/<path>`; listings ask for `<prefix>/<path>/`
 * with its trailing slash, so a sibling prefix (`prefix-other/`) is never read, and a listed key
 * outside the asked prefix is refused. S3 has no folders: a folder is a key prefix, and the same
 * rules as on disk hold (a file cannot be written where a folder is, nor below a file).
 */
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { Readable } from 'node:stream'
import { KeelError } from '@keel/contracts'
import type { ArtifactBody, ArtifactFileInfo, ArtifactRepository, PutOptions } from './artifact-repository.js'
import { normalizeArtifactPath } from './safe-path.js'
import { checkDeclaredSize, meteredBody, type UploadLimits } from './upload-limits.js'
import { type S3Root, s3ErrorName, s3Status } from './s3-client.js'

export interface S3RepositoryOptions {
  /** Bytes per part of a streamed upload (S3's minimum is 5 MiB; default 8 MiB). */
  readonly partSize?: number
  /** Parts uploaded at once, each held in memory (default 4). */
  readonly queueSize?: number
  /** Keys per ListObjectsV2 page (S3's default and most: 1000; tests use fewer to page). */
  readonly listPageSize?: number
}

const DELETE_BATCH = 1000

function compareSegments(a: string, b: string): number {
  // Per segment, as the folder walk on disk sorts (`a/b` before `a.txt`, though '.' < '/').
  const x = a.split('/')
  const y = b.split('/')
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1
  }
  return x.length - y.length
}

export class S3ArtifactRepository implements ArtifactRepository {
  readonly bucket: string
  readonly prefix: string
  private readonly partSize: number
  private readonly queueSize: number
  private readonly listPageSize: number | undefined

  constructor(
    readonly client: S3Client,
    root: S3Root,
    options: S3RepositoryOptions = {},
  ) {
    this.bucket = root.bucket
    this.prefix = root.prefix
    this.partSize = options.partSize ?? 8 * 1024 * 1024
    this.queueSize = options.queueSize ?? 4
    this.listPageSize = options.listPageSize
  }

  /** `s3://bucket/prefix`, for logs. */
  get uri(): string {
    return `s3://${this.bucket}${this.prefix === '' ? '' : `/${this.prefix}`}`
  }

  /** At start: the bucket is reachable with these credentials, or an error naming what failed. */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }))
    } catch (error) {
      const status = s3Status(error)
      const why =
        status === 404
          ? 'the bucket does not exist'
          : status === 403 || status === 401
            ? 'access denied (check the AWS credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE)'
            : `${s3ErrorName(error) ?? 'error'}: ${error instanceof Error ? error.message : String(error)}`
      throw new KeelError('INVALID_STATE', `Cannot use the artifact store ${this.uri}: ${why}`)
    }
  }

  /** The object key of a normalised relative path (`''`: the prefix itself, as a folder). */
  keyOf(relative: string): string {
    const key = this.prefix === '' ? relative : relative === '' ? this.prefix : `${this.prefix}/${relative}`
    // The gate makes this impossible; checked all the same, as the last line before S3.
    if (this.prefix !== '' && key !== this.prefix && !key.startsWith(`${this.prefix}/`)) {
      throw KeelError.invalid(`Invalid artifact path '${relative}': leaves the artifact root`)
    }
    return key
  }

  /** The key prefix of a folder's contents (`<prefix>/<dir>/`, or `''` for the bucket's root). */
  private folderPrefix(relative: string): string {
    const key = this.keyOf(relative)
    return key === '' ? '' : `${key}/`
  }

  async put(artifactPath: string, body: ArtifactBody, options: PutOptions = {}): Promise<{ size: number }> {
    const relative = normalizeArtifactPath(artifactPath)
    if (relative === '') throw KeelError.invalid('Cannot write an artifact to the root folder')
    const limits: UploadLimits = {
      name: relative,
      maxBytes: options.maxBytes ?? Number.POSITIVE_INFINITY,
      ...(options.expectedBytes !== undefined && { expectedBytes: options.expectedBytes }),
      // No volume to fill: the bucket's quota is S3's business.
      minFreeBytes: 0,
      freeBytes: async () => Number.POSITIVE_INFINITY,
      folder: '',
    }
    await checkDeclaredSize(limits)
    await this.checkWritable(relative)
    let size = 0
    const counted = async function* (): AsyncGenerator<Uint8Array> {
      for await (const bytes of meteredBody(body as AsyncIterable<Uint8Array>, limits)) {
        size += bytes.byteLength
        yield bytes
      }
    }
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.keyOf(relative), Body: Readable.from(counted(), { objectMode: false }) },
      partSize: this.partSize,
      queueSize: this.queueSize,
      // On failure the multipart upload is aborted: no parts left behind, no object.
      leavePartsOnError: false,
    })
    await upload.done()
    return { size }
  }

  /** A file cannot replace a folder, nor sit below a file (the same rules as on disk). */
  async checkWritable(relative: string): Promise<void> {
    const segments = relative.split('/')
    const parents = segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join('/'))
    const [isFolder, ...parentFiles] = await Promise.all([
      this.hasChildren(relative),
      ...parents.map((parent) => this.isFile(parent)),
    ])
    if (isFolder) throw KeelError.invalid(`Artifact '${relative}' is a folder; cannot overwrite it with a file`)
    if (parentFiles.some(Boolean)) throw KeelError.invalid(`A parent of artifact '${relative}' is a file`)
  }

  private async hasChildren(relative: string): Promise<boolean> {
    const page = await this.client.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.folderPrefix(relative), MaxKeys: 1 }),
    )
    return (page.KeyCount ?? page.Contents?.length ?? 0) > 0
  }

  private async isFile(relative: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(relative) }))
      return true
    } catch (error) {
      if (isMissing(error)) return false
      throw error
    }
  }

  async get(artifactPath: string): Promise<{ stream: Readable; size: number }> {
    const relative = normalizeArtifactPath(artifactPath)
    if (relative === '') throw isFolder(relative)
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(relative) }))
      const stream = object.Body as Readable
      return { stream, size: object.ContentLength ?? 0 }
    } catch (error) {
      if (!isMissing(error)) throw error
      if (await this.hasChildren(relative)) throw isFolder(relative)
      throw KeelError.notFound(`Artifact '${relative}' does not exist`)
    }
  }

  /** Size of a file, or undefined if there is none at `relative`. */
  async size(artifactPath: string): Promise<number | undefined> {
    const relative = normalizeArtifactPath(artifactPath)
    if (relative === '') return undefined
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(relative) }))
      return head.ContentLength ?? 0
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
  }

  async list(dir: string): Promise<ArtifactFileInfo[]> {
    const relative = normalizeArtifactPath(dir)
    const prefix = this.folderPrefix(relative)
    const infos: ArtifactFileInfo[] = []
    for await (const page of this.pages(prefix, '/')) {
      for (const common of page.CommonPrefixes ?? []) {
        const name = within(prefix, common.Prefix).replace(/\/$/, '')
        if (name !== '') infos.push({ path: name, isDir: true })
      }
      for (const object of page.Contents ?? []) {
        const name = within(prefix, object.Key)
        if (name === '' || name.endsWith('/')) continue // a folder marker
        infos.push({ path: name, isDir: false, fileSize: object.Size ?? 0 })
      }
    }
    return infos.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  }

  async *walk(dir: string): AsyncIterable<ArtifactFileInfo> {
    const relative = normalizeArtifactPath(dir)
    const prefix = this.folderPrefix(relative)
    const files: ArtifactFileInfo[] = []
    for await (const page of this.pages(prefix, undefined)) {
      for (const object of page.Contents ?? []) {
        const name = within(prefix, object.Key)
        if (name === '' || name.endsWith('/')) continue
        files.push({ path: name, isDir: false, fileSize: object.Size ?? 0 })
      }
    }
    yield* files.sort((a, b) => compareSegments(a.path, b.path))
  }

  async delete(artifactPath: string): Promise<void> {
    const relative = normalizeArtifactPath(artifactPath)
    if (relative === '') throw KeelError.invalid('Refusing to delete the artifact root')
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(relative) }))
    const prefix = this.folderPrefix(relative)
    let batch: string[] = []
    const flush = async () => {
      if (batch.length === 0) return
      const keys = batch
      batch = []
      const result = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
        }),
      )
      const failed = result.Errors?.[0]
      if (failed) throw new Error(`S3 could not delete '${failed.Key}': ${failed.Code} ${failed.Message}`)
    }
    for await (const page of this.pages(prefix, undefined)) {
      for (const object of page.Contents ?? []) {
        within(prefix, object.Key)
        batch.push(object.Key!)
        if (batch.length === DELETE_BATCH) await flush()
      }
    }
    await flush()
  }

  /** ListObjectsV2 pages below `prefix`, following continuation tokens. */
  private async *pages(prefix: string, delimiter: string | undefined): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(delimiter !== undefined && { Delimiter: delimiter }),
          ...(this.listPageSize !== undefined && { MaxKeys: this.listPageSize }),
          ...(token !== undefined && { ContinuationToken: token }),
        }),
      )
      yield page
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token !== undefined)
  }
}

/** `key` relative to `prefix`; refuses a key S3 listed outside it. */
function within(prefix: string, key: string | undefined): string {
  if (key === undefined || !key.startsWith(prefix)) {
    throw new KeelError('INTERNAL_ERROR', `S3 listed the key '${key}' outside the prefix '${prefix}'`)
  }
  return key.slice(prefix.length)
}

function isMissing(error: unknown): boolean {
  const name = s3ErrorName(error)
  return name === 'NoSuchKey' || name === 'NotFound' || s3Status(error) === 404
}

function isFolder(relative: string): KeelError {
  return KeelError.invalid(`Artifact '${relative}' is a folder, not a file`)
}
