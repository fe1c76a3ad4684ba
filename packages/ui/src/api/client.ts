/**
 * The UI's only way to data: keel's public REST API, through the same endpoint tables and wire
 * converters as the SDK (`@keel/contracts`). Same origin; MLflow's `/ajax-api` prefix.
 */
import { buildRequest, type Endpoint, type ParsedResponseOf, type RequestInputOf } from '@keel/contracts'
import { actingUser } from './user'

/** Told of every 401 answer (the session ended): the sign-in flow listens (src/auth). */
let unauthorizedHandler: ((error: ApiError) => void) | undefined
export function onUnauthorized(handler: ((error: ApiError) => void) | undefined): void {
  unauthorizedHandler = handler
}

/** An API error with MLflow's error code and the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** What to show for a failure: the server's message for an ApiError (or any Error), else the value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export async function call<E extends Endpoint>(
  endpoint: E,
  request: RequestInputOf<E>,
  signal?: AbortSignal,
): Promise<ParsedResponseOf<E>> {
  const { method, path, url, body } = buildRequest(endpoint, request as Record<string, unknown>, '/ajax-api')
  const user = actingUser()
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...(body !== undefined && { 'content-type': 'application/json' }),
    ...(user && { 'x-keel-user': user }),
  }
  const init: RequestInit = { method, headers, ...(body !== undefined && { body }), ...(signal && { signal }) }
  const response = await fetch(url, init)
  const text = await response.text()
  let json: unknown = {}
  try {
    json = text.trim() === '' ? {} : JSON.parse(text)
  } catch {
    throw new ApiError(
      'INTERNAL_ERROR',
      `${endpoint.method} ${path} answered ${response.status} with a body that is not JSON`,
      response.status,
    )
  }
  if (!response.ok) {
    const failure = json as { error_code?: string; message?: string }
    const error = new ApiError(
      failure.error_code ?? 'INTERNAL_ERROR',
      failure.message ?? `${response.status} ${response.statusText}`,
      response.status,
    )
    if (response.status === 401) unauthorizedHandler?.(error)
    throw error
  }
  const parsed = endpoint.response.safeParse(json)
  if (!parsed.success)
    throw new ApiError('INTERNAL_ERROR', `${endpoint.method} ${path}: unexpected response`, response.status)
  return parsed.data as ParsedResponseOf<E>
}

/**
 * The URL a browser downloads an artifact from (the proxied artifact store), under the UI's
 * `/ajax-api` prefix: a 401 there carries no WWW-Authenticate, so no browser pop-up asks for a password.
 */
export function artifactUrl(artifactUri: string, path: string): string | undefined {
  const prefix = 'mlflow-artifacts:'
  if (!artifactUri.startsWith(prefix)) return undefined
  const root = artifactUri.slice(prefix.length).replace(/^\/+/, '').replace(/\/+$/, '')
  const rel = [root, path].filter(Boolean).join('/')
  return `/ajax-api/2.0/mlflow-artifacts/artifacts/${rel.split('/').map(encodeURIComponent).join('/')}`
}
