/**
 * The one place where error codes become HTTP statuses: MLflow's ERROR_CODE_TO_HTTP_STATUS, so
 * MLflow clients see what they expect (RESOURCE_ALREADY_EXISTS is 400, not 409).
 */
import { type KeelError, type ErrorCode } from '@keel/contracts'
import { type ContentfulStatusCode } from 'hono/utils/http-status'

export const HTTP_STATUS: Record<ErrorCode, ContentfulStatusCode> = {
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
}

export function errorBody(err: KeelError): { error_code: ErrorCode; message: string } {
  return err.toJSON()
}

export function statusOf(err: KeelError): ContentfulStatusCode {
  return HTTP_STATUS[err.code]
}
