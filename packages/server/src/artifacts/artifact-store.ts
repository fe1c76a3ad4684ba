/**
 * Opens the server's artifact stores from its flags: the proxied one (`--artifacts-destination`, a
 * folder or `s3://bucket/prefix`) and, for an `s3://` `--default-artifact-root`, the repository the
 * server reads run artifacts through (clients write there themselves). Each store knows its own
 * multipart uploads (S3's, or keel's parts folder on disk) and its housekeeping.
 */
import { resolve } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import type { ArtifactRepository } from './artifact-repository.js'
import { LocalArtifactRepository } from './local-artifact-repository.js'
import { LocalMultipartUploads } from './local-multipart-uploads.js'
import type { MultipartUploads } from './multipart-uploads.js'
import { S3ArtifactRepository } from './s3-artifact-repository.js'
import { createS3Client, isS3Uri, parseS3Uri, s3SettingsFromEnv } from './s3-client.js'
import { S3MultipartUploads } from './s3-multipart-uploads.js'

export interface ArtifactStore {
  readonly repo: ArtifactRepository
  /** A folder's absolute path, or `s3://bucket/prefix`: for logs. */
  readonly description: string
  readonly multipart: MultipartUploads
  /** Resolves once uploads in flight have finished (or cleaned up after themselves). */
  settled(): Promise<void>
  /** Removes what interrupted uploads left (temp files, abandoned multipart parts); how many. */
  sweep(): Promise<number>
}

export function openS3Repository(uri: string): S3ArtifactRepository {
  return new S3ArtifactRepository(createS3Client(s3SettingsFromEnv()), parseS3Uri(uri))
}

/** The client that presigns part and download URLs for `repo`'s bucket. */
function s3Signer(): S3Client {
  return createS3Client(s3SettingsFromEnv(), { requestChecksumCalculation: 'WHEN_REQUIRED' })
}

/**
 * The proxied store at `destination`. With `check`, an S3 bucket is reached once before the server
 * starts, so a wrong bucket, endpoint or credentials stop it with a message naming what failed.
 */
export async function openArtifactStore(
  destination: string,
  options: { check?: boolean } = {},
): Promise<ArtifactStore> {
  if (isS3Uri(destination)) {
    const repo = openS3Repository(destination)
    if (options.check) await repo.check()
    return {
      repo,
      description: repo.uri,
      multipart: new S3MultipartUploads(repo, s3Signer()),
      settled: async () => {},
      // Abandoned multipart uploads on S3 are the bucket's lifecycle rules' to expire, as with MLflow.
      sweep: async () => 0,
    }
  }
  const repo = new LocalArtifactRepository(resolve(destination))
  const multipart = new LocalMultipartUploads(repo)
  return {
    repo,
    description: repo.root,
    multipart,
    settled: () => repo.settled(),
    sweep: async () => (await repo.sweepStaleUploads()) + (await multipart.sweepStale()),
  }
}
