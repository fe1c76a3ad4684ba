/**
 * Maps artifact URIs to a repository and a path inside it. `mlflow-artifacts:/…` URIs live in the
 * proxied store (`--artifacts-destination`). `file://` URIs and absolute paths are served only
 * inside a local root the server was configured with (a `--default-artifact-root` on a shared
 * disk): a client sets an experiment's artifact location, so it must never choose what the server
 * reads.
 */
import { resolve as resolvePath, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { KeelError } from '@keel/contracts'
import type { ArtifactRepository } from './artifact-repository.js'
import { LocalArtifactRepository } from './local-artifact-repository.js'
import type { S3ArtifactRepository } from './s3-artifact-repository.js'
import { isS3Uri, parseS3Uri } from './s3-client.js'

export const PROXIED_SCHEME = 'mlflow-artifacts:'

export interface ArtifactLocation {
  readonly repo: ArtifactRepository
  /** Path inside `repo` (validated by the repository on use). */
  readonly path: string
}

export class ArtifactLocations {
  private readonly localRoots: readonly string[]

  constructor(
    readonly proxied: ArtifactRepository,
    /** Local folders the server may read artifacts from (its configured artifact root). */
    localRoots: readonly string[] = [],
    /** S3 roots the server may read artifacts from (an `s3://` `--default-artifact-root`). */
    private readonly s3Roots: readonly S3ArtifactRepository[] = [],
  ) {
    this.localRoots = localRoots.map((r) => resolvePath(r))
  }

  resolve(uri: string): ArtifactLocation {
    if (uri.startsWith(PROXIED_SCHEME)) {
      // mlflow-artifacts:/1/abc/artifacts, or mlflow-artifacts://host:port/1/abc/artifacts
      const rest = uri.slice(PROXIED_SCHEME.length)
      const path = rest.startsWith('//') ? rest.slice(2).replace(/^[^/]*/, '') : rest
      return { repo: this.proxied, path: path.replace(/^\/+/, '') }
    }
    if (uri.startsWith('file:') || uri.startsWith('/')) {
      let local: string
      try {
        local = resolvePath(uri.startsWith('file:') ? fileURLToPath(uri) : uri)
      } catch {
        throw KeelError.invalid(`Invalid artifact URI '${uri}'`)
      }
      const root = this.localRoots.find((r) => local === r || local.startsWith(r + sep))
      if (!root) {
        throw KeelError.invalid(`Artifact location '${uri}' is outside the artifact roots this server serves`)
      }
      return { repo: new LocalArtifactRepository(root), path: local.slice(root.length + 1) }
    }
    if (isS3Uri(uri)) {
      const { bucket, prefix } = parseS3Uri(uri)
      const repo = this.s3Roots.find(
        (r) => r.bucket === bucket && (r.prefix === '' || prefix === r.prefix || prefix.startsWith(`${r.prefix}/`)),
      )
      if (repo) return { repo, path: repo.prefix === '' ? prefix : prefix.slice(repo.prefix.length + 1) }
    }
    // The caller's location (an experiment's artifact_location, a URI in a request), not a fault of
    // the server: a 400 that says what this server serves, never a 5xx.
    throw KeelError.invalid(
      `Artifact URI '${uri}' is not served by this server (supported: mlflow-artifacts:, file: and s3: under its artifact roots)`,
    )
  }
}

/** Joins a location path and a relative path with exactly one slash. */
export function joinArtifactPath(base: string, relative: string | undefined): string {
  const rel = (relative ?? '').replace(/^\/+/, '')
  if (base === '') return rel
  return rel === '' ? base : `${base.replace(/\/+$/, '')}/${rel}`
}
