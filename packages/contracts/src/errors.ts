/**
 * keel's error vocabulary. The codes are MLflow's (`databricks.proto` ErrorCode names), so that a
 * client of MLflow's REST API keys its control flow on them unchanged. Domain code throws
 * `KeelError` with a code, never a status; the HTTP edges (the server's `http/errors.ts`, the
 * model server's `serving/protocol/`) answer with the status `HTTP_STATUS` gives the code.
 */
export const ERROR_CODES = [
  'INVALID_PARAMETER_VALUE',
  'BAD_REQUEST',
  'RESOURCE_ALREADY_EXISTS',
  'RESOURCE_DOES_NOT_EXIST',
  'ENDPOINT_NOT_FOUND',
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
  'INVALID_STATE',
  'REQUEST_LIMIT_EXCEEDED',
  'NOT_IMPLEMENTED',
  'TEMPORARILY_UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'INTERNAL_ERROR',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

/**
 * The HTTP status of each code: MLflow's `ERROR_CODE_TO_HTTP_STATUS` (mlflow/exceptions.py), part
 * of its wire contract, so MLflow clients see what they expect (RESOURCE_ALREADY_EXISTS is 400,
 * INVALID_STATE is 500). The one table: every edge that answers over HTTP reads it.
 */
export const HTTP_STATUS = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  REQUEST_LIMIT_EXCEEDED: 429,
  INVALID_STATE: 500,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
} as const satisfies Record<ErrorCode, number>

export type ErrorStatus = (typeof HTTP_STATUS)[ErrorCode]

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value)
}

export class KeelError extends Error {
  override readonly name = 'KeelError'

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }

  static invalid(message: string): KeelError {
    return new KeelError('INVALID_PARAMETER_VALUE', message)
  }

  static notFound(message: string): KeelError {
    return new KeelError('RESOURCE_DOES_NOT_EXIST', message)
  }

  static alreadyExists(message: string): KeelError {
    return new KeelError('RESOURCE_ALREADY_EXISTS', message)
  }

  /** The wire body MLflow clients parse: `{"error_code", "message"}`. */
  toJSON(): { error_code: ErrorCode; message: string } {
    return { error_code: this.code, message: this.message }
  }
}
