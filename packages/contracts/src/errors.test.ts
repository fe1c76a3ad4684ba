import { describe, expect, it } from 'vitest'
import { ERROR_CODES, HTTP_STATUS } from './errors.js'

// mlflow/exceptions.py ERROR_CODE_TO_HTTP_STATUS, for the codes keel uses.
const MLFLOW_ERROR_CODE_TO_HTTP_STATUS: Record<string, number> = {
  INTERNAL_ERROR: 500,
  INVALID_STATE: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  REQUEST_LIMIT_EXCEEDED: 429,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_DOES_NOT_EXIST: 404,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_PARAMETER_VALUE: 400,
}

describe('HTTP_STATUS', () => {
  it("is MLflow's ERROR_CODE_TO_HTTP_STATUS for every code", () => {
    for (const code of ERROR_CODES)
      expect([code, HTTP_STATUS[code]]).toEqual([code, MLFLOW_ERROR_CODE_TO_HTTP_STATUS[code]])
  })

  it('answers INVALID_STATE with 500 and RESOURCE_ALREADY_EXISTS with 400, as MLflow does', () => {
    expect(HTTP_STATUS.INVALID_STATE).toBe(500)
    expect(HTTP_STATUS.RESOURCE_ALREADY_EXISTS).toBe(400)
    expect(HTTP_STATUS.TEMPORARILY_UNAVAILABLE).toBe(503)
  })
})
