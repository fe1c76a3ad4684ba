/** Parsers of the auth commands' arguments: a bad value is refused by name before any request. */
import { InvalidArgumentError } from 'commander'

export function positiveInt(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a whole number of at least 1.')
  return n
}

export function parseBoolean(value: string): boolean {
  if (value === 'true') return true
  if (value === 'false') return false
  throw new InvalidArgumentError("expected 'true' or 'false'.")
}

/** An ISO 8601 date or time (2024-05-01, 2024-05-01T12:00:00Z) as epoch milliseconds. */
export function parseTime(value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN
  if (Number.isNaN(ms))
    throw new InvalidArgumentError('expected an ISO 8601 date or time, e.g. 2024-05-01 or 2024-05-01T12:00:00Z.')
  return ms
}

/** A value among `choices`, compared without case, returned as spelled in `choices`. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    const found = choices.find((c) => c.toLowerCase() === value.toLowerCase())
    if (found === undefined) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}.`)
    return found
  }
}
