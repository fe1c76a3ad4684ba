/**
 * The tracking server's error answers: MLflow's body, with the status of the code from the one
 * table (`HTTP_STATUS` in @keel/contracts, MLflow's ERROR_CODE_TO_HTTP_STATUS).
 */
import { type ErrorCode, type ErrorStatus, HTTP_STATUS, type KeelError } from '@keel/contracts'

export function errorBody(err: KeelError): { error_code: ErrorCode; message: string } {
  return err.toJSON()
}

export function statusOf(err: KeelError): ErrorStatus {
  return HTTP_STATUS[err.code]
}
