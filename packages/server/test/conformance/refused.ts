/** Conformance helper: a call refused with a KeelError of this code (and a message matching). */
import { KeelError, type ErrorCode } from '@keel/contracts'
import { expect } from 'vitest'

export async function refused(call: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<KeelError> {
  const outcome = await call.then(
    (value: unknown) => ({ value }),
    (error: unknown) => ({ error }),
  )
  if (!('error' in outcome))
    throw new Error(`expected a ${code} KeelError, got the value ${JSON.stringify(outcome.value)}`)
  expect(outcome.error).toBeInstanceOf(KeelError)
  const error = outcome.error as KeelError
  expect(error.code).toBe(code)
  if (message) expect(error.message).toMatch(message)
  return error
}
