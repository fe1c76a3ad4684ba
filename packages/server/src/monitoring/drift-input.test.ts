import { describe, expect, it } from 'vitest'
import { driftReportOf } from './drift-input.js'

const reference = { x: [1, 2, 3, 4, 5, 6, 7, 8] }
const current = { x: [2, 3, 4, 5, 6, 7, 8, 9] }

describe('driftReportOf', () => {
  it('builds the report of good input', () => {
    expect(driftReportOf(reference, current, {}).columns.map((c) => c.column)).toEqual(['x'])
  })

  it.each([
    ['an unknown column', current, { columns: ['nope'] }, /unknown column 'nope'/],
    ['a drift share out of range', current, { driftShare: 2 }, /drift_share must be a number between 0 and 1/],
    ['a negative threshold', current, { thresholds: { x: -1 } }, /threshold for column 'x'/],
    ['an empty dataset', { x: [] }, {}, /the current dataset is empty/],
  ])('makes %s an INVALID_PARAMETER_VALUE naming it, not a server error', (_, data, options, message) => {
    expect(() => driftReportOf(reference, data, options)).toThrow(
      expect.objectContaining({
        name: 'KeelError',
        code: 'INVALID_PARAMETER_VALUE',
        message: expect.stringMatching(message),
      }),
    )
  })
})
