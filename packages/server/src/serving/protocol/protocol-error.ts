/**
 * An error of the serving edge that carries its HTTP status: the wire protocols (MLflow scoring,
 * Open Inference) name statuses that MLflow's error codes do not have (413, 415, 503). Anything
 * else thrown while serving is a `KeelError` and is mapped by its code.
 */
import { type ErrorCode, KeelError } from '@keel/contracts'

export class ProtocolError extends KeelError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
  ) {
    super(code, message)
  }
}

export const badRequest = (message: string): ProtocolError => new ProtocolError(400, 'BAD_REQUEST', message)
export const invalidInput = (message: string): ProtocolError =>
  new ProtocolError(400, 'INVALID_PARAMETER_VALUE', message)
export const unsupportedMediaType = (message: string): ProtocolError => new ProtocolError(415, 'BAD_REQUEST', message)
export const tooLarge = (limit: number): ProtocolError =>
  new ProtocolError(413, 'REQUEST_LIMIT_EXCEEDED', `The request body is larger than the limit of ${limit} bytes`)
export const overloaded = (why: string): ProtocolError => new ProtocolError(503, 'TEMPORARILY_UNAVAILABLE', why)
export const notFound = (message: string): ProtocolError => new ProtocolError(404, 'RESOURCE_DOES_NOT_EXIST', message)

/** The HTTP status of anything thrown while serving a request. */
export function statusOfServingError(error: unknown): number {
  if (error instanceof ProtocolError) return error.status
  if (error instanceof KeelError) {
    switch (error.code) {
      case 'INVALID_PARAMETER_VALUE':
      case 'BAD_REQUEST':
      case 'RESOURCE_ALREADY_EXISTS':
        return 400
      case 'RESOURCE_DOES_NOT_EXIST':
      case 'ENDPOINT_NOT_FOUND':
        return 404
      case 'REQUEST_LIMIT_EXCEEDED':
        return 429
      case 'TEMPORARILY_UNAVAILABLE':
      case 'INVALID_STATE':
        return 503
      case 'NOT_IMPLEMENTED':
        return 501
      default:
        return 500
    }
  }
  return 500
}
