import { ERROR_CODES, HTTP_STATUS, KeelError } from '@keel/contracts'
import { describe, expect, it } from 'vitest'
import { overloaded, statusOfServingError, tooLarge, unsupportedMediaType } from './protocol-error.js'

describe('statusOfServingError', () => {
  it("maps a KeelError's code with the one table (MLflow's), as the tracking server does", () => {
    for (const code of ERROR_CODES) expect(statusOfServingError(new KeelError(code, 'x'))).toBe(HTTP_STATUS[code])
  })

  it('answers INVALID_STATE with 500 (a server fault), not 503; not ready is TEMPORARILY_UNAVAILABLE', () => {
    expect(statusOfServingError(new KeelError('INVALID_STATE', 'The model was closed'))).toBe(500)
    expect(statusOfServingError(new KeelError('TEMPORARILY_UNAVAILABLE', 'loading'))).toBe(503)
  })

  it("keeps a protocol's own statuses, and makes anything else a 500", () => {
    expect(statusOfServingError(tooLarge(10))).toBe(413)
    expect(statusOfServingError(unsupportedMediaType('no'))).toBe(415)
    expect(statusOfServingError(overloaded('busy'))).toBe(503)
    expect(statusOfServingError(new Error('boom'))).toBe(500)
  })
})
