import { describe, expect, it } from 'vitest'
import { validateMaxResults } from './max-results.js'

const refused = (value: number, message: string) =>
  expect(() => validateMaxResults(value, 100, 1000)).toThrow(
    expect.objectContaining({ code: 'INVALID_PARAMETER_VALUE', message }),
  )

describe('validateMaxResults', () => {
  it("uses the search's default when absent and takes 1 to its limit", () => {
    expect(validateMaxResults(undefined, 100, 1000)).toBe(100)
    expect(validateMaxResults(1, 100, 1000)).toBe(1)
    expect(validateMaxResults(1000, 100, 1000)).toBe(1000)
  })

  it("refuses anything else in MLflow's words (_validate_max_results_param)", () => {
    refused(0, "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer")
    refused(-5, "Invalid value -5 for parameter 'max_results' supplied. It must be a positive integer")
    refused(2.5, "Invalid value 2.5 for parameter 'max_results' supplied. It must be a positive integer")
    refused(Number.NaN, "Invalid value NaN for parameter 'max_results' supplied. It must be a positive integer")
    refused(1001, "Invalid value 1001 for parameter 'max_results' supplied. It must be at most 1000")
    refused(1e300, "Invalid value 1e+300 for parameter 'max_results' supplied. It must be at most 1000")
  })
})
