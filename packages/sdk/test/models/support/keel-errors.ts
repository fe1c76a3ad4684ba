/** The KeelError a call throws or a promise rejects with (failing the test if it is anything else). */
import { KeelError } from '@keel/contracts'
import { expect } from 'vitest'

export function errorOf(fn: () => unknown): KeelError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(KeelError)
    return error as KeelError
  }
  throw new Error('expected a KeelError')
}

export async function rejection(promise: Promise<unknown>): Promise<KeelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(KeelError)
  return error as KeelError
}
