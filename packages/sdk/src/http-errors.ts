/**
 * How a failed HTTP exchange becomes a `KeelError`: MLflow's `{error_code, message}` body when
 * there is one, else a code derived from the status (as MLflow's `get_error_code` does).
 */
import { type ErrorCode, KeelError, isErrorCode } from '@keel/contracts'

const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'ENDPOINT_NOT_FOUND',
  429: 'REQUEST_LIMIT_EXCEEDED',
  500: 'INTERNAL_ERROR',
  501: 'NOT_IMPLEMENTED',
  502: 'TEMPORARILY_UNAVAILABLE',
  503: 'TEMPORARILY_UNAVAILABLE',
  504: 'TEMPORARILY_UNAVAILABLE',
}

/** Statuses worth another try: rate limiting and an unavailable or overloaded upstream. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504])

function codeOfStatus(status: number): ErrorCode {
  return CODE_OF_STATUS[status] ?? (status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR')
}

/** Reads the body of a non-2xx response and turns it into a `KeelError`. */
export async function errorFromResponse(response: Response, what: string): Promise<KeelError> {
  const text = await response.text().catch(() => '')
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  if (typeof body === 'object' && body !== null && 'error_code' in body) {
    const { error_code: code, message } = body as { error_code: unknown; message?: unknown }
    const text = typeof message === 'string' ? message : `${what} failed with HTTP ${response.status}`
    if (isErrorCode(code)) return new KeelError(code, text)
    return new KeelError(codeOfStatus(response.status), `${String(code)}: ${text}`)
  }
  const detail = text.trim() === '' ? '' : `: ${text.trim().slice(0, 500)}`
  return new KeelError(codeOfStatus(response.status), `${what} failed with HTTP ${response.status}${detail}`)
}

const LOCAL_FILE_ERRORS = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EPERM'])

/**
 * A request that threw before a response arrived (connection refused or reset, DNS, timeout)
 * becomes TEMPORARILY_UNAVAILABLE, and is retryable unless the cause is a local file error.
 */
export function networkError(error: unknown, what: string): { error: KeelError; retryable: boolean } {
  if (error instanceof KeelError) return { error, retryable: false }
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  const cause = err.cause?.code ?? err.cause?.message
  const reason = err.name === 'TimeoutError' ? 'timed out' : `failed (${cause ?? err.message ?? String(error)})`
  const keelError = new KeelError('TEMPORARILY_UNAVAILABLE', `${what} ${reason}`, { cause: error })
  return { error: keelError, retryable: !LOCAL_FILE_ERRORS.has(err.cause?.code ?? '') }
}

/** True for errors a later attempt may not hit: rate limiting, unavailability, network failures. */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof KeelError && (error.code === 'TEMPORARILY_UNAVAILABLE' || error.code === 'REQUEST_LIMIT_EXCEEDED')
  )
}
