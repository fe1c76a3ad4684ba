/**
 * Where an `s3://bucket/prefix` artifact root lives and the client that reaches it, configured as
 * MLflow configures boto3: the endpoint from `MLFLOW_S3_ENDPOINT_URL` (MinIO, R2, Ceph, moto), the
 * credentials from the standard AWS chain (AWS_ACCESS_KEY_ID…, profiles, instance roles), the region
 * from AWS_REGION or AWS_DEFAULT_REGION (us-east-1 otherwise), and path-style addressing with a
 * custom endpoint, which S3-compatible servers expect.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { KeelError } from '@keel/contracts'

export interface S3Root {
  readonly bucket: string
  /** The key prefix, without leading or trailing `/`; `''` is the bucket's root. */
  readonly prefix: string
}

/** Bucket names as S3 allows them (3-63 characters; lower case, digits, `.` and `-`). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

export function isS3Uri(uri: string): boolean {
  return /^s3:\/\//i.test(uri)
}

/** Parses `s3://bucket[/prefix]`; throws INVALID_PARAMETER_VALUE naming what is wrong. */
export function parseS3Uri(uri: string): S3Root {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(uri)
  if (!match) throw KeelError.invalid(`Invalid S3 URI '${uri}': expected s3://bucket/prefix`)
  const bucket = match[1]!
  if (!BUCKET.test(bucket)) throw KeelError.invalid(`Invalid S3 URI '${uri}': '${bucket}' is not a valid bucket name`)
  const prefix = (match[2] ?? '').replace(/\/+$/, '')
  if (prefix !== '') {
    const segments = prefix.split('/')
    if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\'))) {
      throw KeelError.invalid(`Invalid S3 URI '${uri}': the prefix has an empty, '.' or '..' segment or a backslash`)
    }
  }
  return { bucket, prefix }
}

export interface S3Settings {
  readonly endpoint?: string
  readonly region: string
}

/** The settings from the environment, as MLflow's S3 artifact repository reads them. */
export function s3SettingsFromEnv(env: NodeJS.ProcessEnv = process.env): S3Settings {
  const endpoint = env.MLFLOW_S3_ENDPOINT_URL?.trim()
  return {
    ...(endpoint ? { endpoint } : {}),
    region: env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || 'us-east-1',
  }
}

export function createS3Client(settings: S3Settings, extra: Partial<S3ClientConfig> = {}): S3Client {
  // keel runs on Node 20; the SDK version the lockfile pins supports it, and its warning about later
  // versions needing Node 22 would print on every start (an operator may still turn it back on).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint !== undefined && { endpoint: settings.endpoint, forcePathStyle: true }),
    ...extra,
  })
}

/** The `name` S3 (and the SDK) give an error, or undefined. */
export function s3ErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const name = (error as { name?: unknown; Code?: unknown }).name
  return typeof name === 'string' ? name : undefined
}

/** The HTTP status of an S3 error, or undefined. */
export function s3Status(error: unknown): number | undefined {
  const meta = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata
  return meta?.httpStatusCode
}
