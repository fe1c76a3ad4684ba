/**
 * MLflow's multipart-upload and presigned-download routes of the proxied artifact service, with
 * MLflow's request and response shapes (mlflow/server/handlers.py, mlflow/entities/multipart_upload.py):
 *
 *   POST mpu/create/<folder>    {path, num_parts}            -> {upload_id, credentials: [{url, part_number, headers}]}
 *   POST mpu/complete/<folder>  {path, upload_id, parts: [{part_number, etag, url}]} -> {}
 *   POST mpu/abort/<folder>     {path, upload_id}            -> {}
 *   GET  presigned/<file>                                    -> {url, headers, file_size}
 *
 * `path` is the client's local file: its base name is the artifact's name in `<folder>`, as MLflow's
 * server takes it. On a local folder keel also takes the parts itself: PUT mpu/part/<upload id>/<n>.
 */
import { KeelError } from '@keel/contracts'
import type { Context, Hono } from 'hono'
import { parseJsonBody } from '../http/parse-request.js'
import { requestBody, requestHeader } from '../http/node-request.js'
import type { PutOptions } from './artifact-repository.js'
import type { MultipartUploads, UploadedPart } from './multipart-uploads.js'

/** A complete request of 10,000 parts with their URLs is ~5 MB. */
const MAX_JSON_BYTES = 16 * 1024 * 1024

/** The path after `<base>/`, percent-decoded once per segment; `''` when the URL ends at `<base>`. */
export function pathAfter(c: Context, base: string): string {
  const pathname = new URL(c.req.url).pathname
  const raw = pathname.length > base.length ? pathname.slice(base.length + 1) : ''
  try {
    return raw.split('/').map(decodeURIComponent).join('/')
  } catch {
    throw KeelError.invalid(`Invalid artifact path '${raw.slice(0, 200)}': malformed percent-encoding`)
  }
}

async function readJson(c: Context): Promise<Record<string, unknown>> {
  const type = requestHeader(c, 'content-type')
  if (type !== undefined && type.trim() !== '' && !/^\s*application\/json\s*(;|$)/i.test(type)) {
    throw KeelError.invalid(`Unsupported Content-Type '${type}': send the request body as application/json`)
  }
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of requestBody(c)) {
    size += chunk.byteLength
    if (size > MAX_JSON_BYTES)
      throw KeelError.invalid(`Request body is too large: the limit is ${MAX_JSON_BYTES} bytes`)
    chunks.push(chunk)
  }
  return parseJsonBody(Buffer.concat(chunks))
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field]
  if (value === undefined || value === null || value === '') {
    throw KeelError.invalid(`Missing value for required parameter '${field}'`)
  }
  if (typeof value !== 'string') throw KeelError.invalid(`Invalid value for parameter '${field}': expected a string`)
  return value
}

/** MLflow's `_assert_intlike`: an integer, or a string of one. */
function intLike(value: unknown, field: string): number {
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw KeelError.invalid(`Invalid value ${JSON.stringify(value)} for parameter '${field}': expected an integer`)
  }
  return n
}

/** The artifact a request uploads: the URL's folder plus the base name of the client's `path`. */
function targetOf(folder: string, localFile: string): string {
  const name = localFile.split('/').pop() ?? ''
  if (name === '' || name === '.' || name === '..') {
    throw KeelError.invalid(`Invalid value for parameter 'path': '${localFile.slice(0, 200)}' names no file`)
  }
  return folder === '' ? name : `${folder.replace(/\/+$/, '')}/${name}`
}

function partsOf(body: Record<string, unknown>): UploadedPart[] {
  const parts = body.parts
  if (parts === undefined || parts === null) throw KeelError.invalid("Missing value for required parameter 'parts'")
  if (!Array.isArray(parts)) throw KeelError.invalid("Invalid value for parameter 'parts': expected a list")
  return parts.map((part: unknown, i) => {
    if (typeof part !== 'object' || part === null || Array.isArray(part)) {
      throw KeelError.invalid(`Invalid value for parts[${i}]: expected an object {part_number, etag}`)
    }
    const { part_number: n, etag } = part as Record<string, unknown>
    if (etag !== undefined && etag !== null && typeof etag !== 'string') {
      throw KeelError.invalid(`Invalid value for parts[${i}].etag: expected a string`)
    }
    return { partNumber: intLike(n, `parts[${i}].part_number`), etag: etag ?? undefined }
  })
}

/** The origin the client reached this server at (a TLS-terminating proxy says so in X-Forwarded-Proto). */
function originOf(c: Context): string {
  const url = new URL(c.req.url)
  const proto = requestHeader(c, 'x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase()
  return proto === 'https' || proto === 'http' ? `${proto}://${url.host}` : url.origin
}

export function mountMultipartRoutes(
  app: Hono,
  prefix: string,
  multipart: MultipartUploads,
  limits: Pick<PutOptions, 'maxBytes' | 'minFreeBytes'>,
): void {
  const base = `${prefix}/mpu`
  for (const path of [`${base}/create`, `${base}/create/*`]) {
    app.post(path, async (c) => {
      const body = await readJson(c)
      const target = targetOf(pathAfter(c, `${base}/create`), requiredString(body, 'path'))
      const numParts = intLike(body.num_parts ?? 0, 'num_parts')
      const partBase = `${originOf(c)}${base}/part`
      const created = await multipart.create(
        target,
        numParts,
        (id, n, token) => `${partBase}/${id}/${n}?token=${token}`,
      )
      return c.json({
        upload_id: created.uploadId,
        credentials: created.credentials.map((cred) => ({
          url: cred.url,
          part_number: cred.partNumber,
          headers: cred.headers,
        })),
      })
    })
  }
  for (const path of [`${base}/complete`, `${base}/complete/*`]) {
    app.post(path, async (c) => {
      const body = await readJson(c)
      const target = targetOf(pathAfter(c, `${base}/complete`), requiredString(body, 'path'))
      await multipart.complete(target, requiredString(body, 'upload_id'), partsOf(body), limits)
      return c.json({})
    })
  }
  for (const path of [`${base}/abort`, `${base}/abort/*`]) {
    app.post(path, async (c) => {
      const body = await readJson(c)
      const target = targetOf(pathAfter(c, `${base}/abort`), requiredString(body, 'path'))
      await multipart.abort(target, requiredString(body, 'upload_id'))
      return c.json({})
    })
  }
  const putPart = multipart.putPart
  if (putPart) {
    app.put(`${base}/part/:uploadId/:partNumber`, async (c) => {
      const declared = requestHeader(c, 'content-length')
      const { etag } = await putPart(
        c.req.param('uploadId'),
        intLike(c.req.param('partNumber'), 'part number'),
        c.req.query('token') ?? '',
        requestBody(c),
        {
          ...limits,
          ...(declared !== undefined && /^\d+$/.test(declared) && { expectedBytes: Number(declared) }),
        },
      )
      c.header('ETag', etag)
      return c.body(null, 200)
    })
  }
  app.get(`${prefix}/presigned/*`, async (c) => {
    if (!multipart.presignedDownload) {
      // MLflow's answer for a store without presigned downloads; its client then downloads through the proxy.
      throw new KeelError('NOT_IMPLEMENTED', 'Multipart download is not supported for the current artifact repository')
    }
    const presigned = await multipart.presignedDownload(pathAfter(c, `${prefix}/presigned`))
    return c.json({ url: presigned.url, headers: presigned.headers, file_size: presigned.fileSize })
  })
}
