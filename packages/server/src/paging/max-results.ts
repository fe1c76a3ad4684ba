/**
 * `max_results` of every search, checked as MLflow checks it (`_validate_max_results_param` of its
 * stores) and worded as MLflow words it: absent is the search's default; not a positive integer,
 * or above the search's limit, is INVALID_PARAMETER_VALUE naming the value and the rule.
 */
import { KeelError } from '@keel/contracts'

export function validateMaxResults(value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) {
    throw KeelError.invalid(
      `Invalid value ${value} for parameter 'max_results' supplied. It must be a positive integer`,
    )
  }
  if (value > max) {
    throw KeelError.invalid(`Invalid value ${value} for parameter 'max_results' supplied. It must be at most ${max}`)
  }
  return value
}
