/**
 * keel's error vocabulary. The codes are MLflow's (`databricks.proto` ErrorCode names), so that a
 * client of MLflow's REST API keys its control flow on them unchanged. Domain code throws
 * `KeelError` with a code; only the HTTP edge turns a code into a status (see server/src/http).
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
  'INTERNAL_ERROR',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

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
