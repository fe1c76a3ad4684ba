/**
 * An error of the serving edge that carries its HTTP status: the wire protocols (MLflow scoring,
 * Open Inference) name statuses that MLflow's table does not give their codes (413, 415). Anything
 * else thrown while serving is a `KeelError` and is mapped by its code with MLflow's table.
 */
import { type ErrorCode, HTTP_STATUS, KeelError } from '@keel/contracts'

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

/**
 * The HTTP status of anything thrown while serving a request: a protocol's own status, else the
 * status MLflow's table gives the code (`HTTP_STATUS`, the one table), else 500.
 */
export function statusOfServingError(error: unknown): number {
  if (error instanceof ProtocolError) return error.status
  if (error instanceof KeelError) return HTTP_STATUS[error.code]
  return 500
}
