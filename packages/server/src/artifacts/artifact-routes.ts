/**
 * MLflow's proxied artifact service (`/api/2.0/mlflow-artifacts/…`): streamed uploads and
 * downloads, listing with basename paths. Bodies never sit whole in memory.
 */
import { KeelError } from '@keel/contracts'
import type { Readable } from 'node:stream'
import type { Context, Hono } from 'hono'
import { stream } from 'hono/streaming'
import { discardRestOfBody, requestBody, requestHeader } from '../http/node-request.js'
import type { ArtifactRepository } from './artifact-repository.js'
import { artifactContentType } from './content-type.js'
import type { MultipartUploads } from './multipart-uploads.js'
import { mountMultipartRoutes } from './multipart-routes.js'
import { ArtifactLimitError } from './upload-limits.js'

const PREFIXES = ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts']

/** What a refused upload may still send before its connection is closed. */
const REFUSED_BODY_BOUNDS = { maxBytes: 64 * 1024 * 1024, maxMs: 5_000 }

/** The artifact path after `/artifacts/`, percent-decoded once per segment. */
function artifactPath(c: Context, prefix: string): string {
  const pathname = new URL(c.req.url).pathname
  const raw = pathname.slice(`${prefix}/artifacts/`.length)
  try {
    return raw.split('/').map(decodeURIComponent).join('/')
  } catch {
    throw KeelError.invalid(`Invalid artifact path '${raw.slice(0, 200)}': malformed percent-encoding`)
  }
}

/**
 * Streams an artifact file as a download: MLflow's Content-Type for its name, its length,
 * `attachment` and `nosniff` (a browser never renders it as a page of this origin).
 */
export function sendArtifactFile(c: Context, file: { stream: Readable; size: number }, path: string): Response {
  c.header('Content-Type', artifactContentType(path))
  c.header('Content-Length', String(file.size))
  c.header('Content-Disposition', `attachment; filename="${encodeURIComponent(path.split('/').pop() ?? 'artifact')}"`)
  c.header('X-Content-Type-Options', 'nosniff')
  return stream(c, async (out) => {
    out.onAbort(() => {
      file.stream.destroy()
    })
    for await (const chunk of file.stream) await out.write(chunk as Uint8Array)
  })
}

export interface ArtifactRouteOptions {
  /** When false (`--no-serve-artifacts`), every artifact route answers 503 as MLflow does. */
  readonly serve: boolean
  /** `--max-artifact-size`: larger uploads get 413. */
  readonly maxUploadBytes?: number
  /** `--min-free-disk`: an upload that would leave less free space gets 507. */
  readonly minFreeBytes?: number
  /** The store's multipart uploads (mpu/create|complete|abort) and presigned downloads. */
  readonly multipart?: MultipartUploads
}

export function mountArtifactRoutes(app: Hono, repo: ArtifactRepository, options: ArtifactRouteOptions): void {
  for (const prefix of PREFIXES) {
    if (!options.serve) {
      app.all(`${prefix}/*`, (c) =>
        c.text('This server is not configured to serve artifacts (started with --no-serve-artifacts).', 503),
      )
      continue
    }
    app.get(`${prefix}/artifacts`, async (c) => {
      const dir = c.req.query('path') ?? ''
      const files = await repo.list(dir)
      if (files.length === 0) return c.json({})
      return c.json({
        files: files.map((f) =>
          f.isDir ? { path: f.path, is_dir: true } : { path: f.path, is_dir: false, file_size: f.fileSize },
        ),
      })
    })
    app.get(`${prefix}/artifacts/*`, async (c) => {
      const path = artifactPath(c, prefix)
      return sendArtifactFile(c, await repo.get(path), path)
    })
    app.put(`${prefix}/artifacts/*`, async (c) => {
      const path = artifactPath(c, prefix)
      const declared = requestHeader(c, 'content-length')
      try {
        await repo.put(path, requestBody(c, { keepOpen: true }), {
          ...(options.maxUploadBytes !== undefined && { maxBytes: options.maxUploadBytes }),
          ...(options.minFreeBytes !== undefined && { minFreeBytes: options.minFreeBytes }),
          ...(declared !== undefined && /^\d+$/.test(declared) && { expectedBytes: Number(declared) }),
        })
      } catch (error) {
        if (!(error instanceof ArtifactLimitError)) throw error
        // The client is likely still sending: drop a little more of it so it reads this answer,
        // then close the connection rather than receive the rest.
        discardRestOfBody(c, REFUSED_BODY_BOUNDS)
        return c.json(error.toJSON(), error.limit === 'size' ? 413 : 507)
      }
      return c.json({})
    })
    app.delete(`${prefix}/artifacts/*`, async (c) => {
      await repo.delete(artifactPath(c, prefix))
      return c.json({})
    })
    if (options.multipart) {
      mountMultipartRoutes(app, prefix, options.multipart, {
        ...(options.maxUploadBytes !== undefined && { maxBytes: options.maxUploadBytes }),
        ...(options.minFreeBytes !== undefined && { minFreeBytes: options.minFreeBytes }),
      })
    }
  }
}
