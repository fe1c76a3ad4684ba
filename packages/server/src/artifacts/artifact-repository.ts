/**
 * The contract every artifact backend implements: a local folder (local-artifact-repository.ts) and
 * S3 (s3-artifact-repository.ts), both held to it by test/conformance/artifact-repository-conformance.ts,
 * with the same results and KeelError codes. Paths are relative
 * to the repository root, use `/`, and pass `normalizeArtifactPath` inside each method, so a caller
 * may hand over what the client sent; `''` is the root.
 */
import type { Readable } from 'node:stream'

export interface ArtifactFileInfo {
  /** In `list`: the basename (MLflow clients rely on that). In `walk`: relative to the walked folder. */
  readonly path: string
  readonly isDir: boolean
  /** Bytes; set for files only. */
  readonly fileSize?: number
}

/**
 * A request body: a Node stream (`IncomingMessage`), an async generator, or a WHATWG
 * `ReadableStream<Uint8Array>` such as `Request.body`, which Node makes async-iterable.
 */
export type ArtifactBody = AsyncIterable<Uint8Array> | NodeJS.ReadableStream

export interface PutOptions {
  /**
   * Refuse (`ArtifactLimitError` 'size', an INVALID_PARAMETER_VALUE) and store nothing once the
   * body exceeds this many bytes.
   */
  readonly maxBytes?: number
  /** The size the client declared (Content-Length): over a limit, refused before anything is written. */
  readonly expectedBytes?: number
  /**
   * Free bytes the artifact volume must keep: an upload that would leave less is refused
   * (`ArtifactLimitError` 'disk') before it starts or while it streams. 0 or unset: no check.
   */
  readonly minFreeBytes?: number
}

export interface ArtifactRepository {
  /**
   * Streams `body` to `path`. Never buffers the whole body. Atomic: readers see the old file or the
   * whole new one, and a failed put leaves the old file in place. Refuses the root, a path whose
   * target is a folder, and a path below a file (`INVALID_PARAMETER_VALUE`).
   */
  put(path: string, body: ArtifactBody, options?: PutOptions): Promise<{ size: number }>

  /**
   * Opens a stream of the file; throws `RESOURCE_DOES_NOT_EXIST` if missing, `INVALID_PARAMETER_VALUE`
   * if it is a folder. The caller must consume or `destroy()` the stream, which holds the file open.
   */
  get(path: string): Promise<{ stream: Readable; size: number }>

  /**
   * Lists a folder's direct children, `path` being the basename, sorted by name (code-unit order).
   * A missing folder, and a file, list as `[]`.
   */
  list(dir: string): Promise<ArtifactFileInfo[]>

  /** Recursively yields the files (never folders) below `dir`, paths relative to `dir`, sorted. */
  walk(dir: string): AsyncIterable<ArtifactFileInfo>

  /**
   * Deletes a file or a folder tree; deleting what does not exist is not an error. Refuses the root
   * (`INVALID_PARAMETER_VALUE`): an empty path must never wipe every experiment's artifacts.
   */
  delete(path: string): Promise<void>
}
