import { describe, expect, it } from 'vitest'
import {
  fitValue,
  validateBatchLimits,
  validateExperimentName,
  validateKey,
  validateMetric,
  validateUniqueParamKeys,
} from './validation.js'

const invalid = (fn: () => unknown, message: string | RegExp) =>
  expect(fn).toThrow(
    expect.objectContaining({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(message) }),
  )

describe('validateKey', () => {
  it.each(['acc', 'train/loss', 'a.b-c d:e', 'x'.repeat(250), 'déjà_vu'])('accepts %s', (key) => {
    expect(() => validateKey(key, 'metric')).not.toThrow()
  })
  it.each([
    ['', /cannot be empty/],
    ['x'.repeat(251), /exceeded length limit of 250/],
    ['a\\b', /Names may only contain/],
    ['a?b', /Names may only contain/],
    ['/abs', /normalizes differently/],
    ['a//b', /normalizes differently/],
    ['a/../b', /normalizes differently/],
    ['.', /normalizes differently/],
    ['..', /normalizes differently/],
    ['a/', /normalizes differently/],
  ])('refuses %j', (key, message) => invalid(() => validateKey(key, 'param'), message))
})

describe('values and metrics', () => {
  it('truncates over-long values to the limit, as MLflow does by default', () => {
    expect(fitValue('abcdef', 4)).toBe('abcd')
    expect(fitValue('abc', 4)).toBe('abc')
  })
  it('requires a non-negative integer timestamp and an integer step', () => {
    expect(() => validateMetric({ key: 'm', value: Number.NaN, timestamp: 0, step: -3 })).not.toThrow()
    invalid(() => validateMetric({ key: 'm', value: 1, timestamp: -1, step: 0 }), /invalid timestamp -1/)
    invalid(() => validateMetric({ key: 'm', value: 1, timestamp: 1.5, step: 0 }), /invalid timestamp/)
    invalid(() => validateMetric({ key: 'm', value: 1, timestamp: 1, step: 0.5 }), /invalid step/)
  })
})

describe('batch limits', () => {
  it('allows MLflow maxima and refuses one more', () => {
    expect(() => validateBatchLimits(1000, 0, 0)).not.toThrow()
    expect(() => validateBatchLimits(800, 100, 100)).not.toThrow()
    invalid(() => validateBatchLimits(1001, 0, 0), /at most 1000 metrics/)
    invalid(() => validateBatchLimits(0, 101, 0), /at most 100 params/)
    invalid(() => validateBatchLimits(0, 0, 101), /at most 100 tags/)
    invalid(() => validateBatchLimits(900, 100, 1), /at most 1000 total/)
  })
  it('refuses duplicate param keys in one request', () => {
    expect(() =>
      validateUniqueParamKeys([
        { key: 'a', value: '1' },
        { key: 'b', value: '1' },
      ]),
    ).not.toThrow()
    invalid(
      () =>
        validateUniqueParamKeys([
          { key: 'a', value: '1' },
          { key: 'a', value: '1' },
        ]),
      /Duplicate parameter keys .*'a'/,
    )
  })
})

describe('experiment names', () => {
  it('needs a non-empty name within 500 characters', () => {
    invalid(() => validateExperimentName('  '), /non-empty/)
    invalid(() => validateExperimentName('n'.repeat(501)), /exceeded length limit of 500/)
    expect(() => validateExperimentName('iris')).not.toThrow()
  })
})
