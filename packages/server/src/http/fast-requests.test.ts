import { type KeelError, trackingApi } from '@keel/contracts'
import { describe, expect, it } from 'vitest'
import { fastPathOf } from './fast-requests.js'
import { validateRequest } from './parse-request.js'

const schema = trackingApi.logBatch.request
const fast = fastPathOf(trackingApi.logBatch)!

function messageOf(input: Record<string, unknown>): string {
  try {
    validateRequest(schema, input)
  } catch (error) {
    return (error as KeelError).message
  }
  return 'accepted'
}

describe('the log-batch fast path', () => {
  it('returns what the schema returns for the bodies clients send', () => {
    const bodies: Record<string, unknown>[] = [
      { run_id: 'r', metrics: [{ key: 'loss', value: 0.5, timestamp: 1700000000000, step: 3 }] },
      {
        run_id: 'r',
        metrics: [
          { key: 'a', value: -1e300, timestamp: 0 },
          { key: 'b/c', value: 2, timestamp: 5, step: -4, dataset_name: 'd', model_id: 'm', extra: 1 },
        ],
        params: [{ key: 'p', value: 'v' }],
        tags: [{ key: 't', value: 'w' }],
        unknown_field: true,
      },
    ]
    for (const body of bodies) {
      expect(fast(body)).toStrictEqual(schema.parse(body))
    }
  })

  it('leaves every other body to the schema, whose message names the problem', () => {
    const bodies: Record<string, unknown>[] = [
      { run_id: 'r', metrics: [{ key: 'a', value: '1.5', timestamp: 1 }] },
      { run_id: 'r', metrics: [{ key: 'a', value: 'NaN', timestamp: '12' }] },
      { run_id: 'r', metrics: [{ key: 'a', value: 1, timestamp: 1.5 }] },
      { run_id: 'r', metrics: [{ key: 'a', value: 1, timestamp: 2 ** 60 }] },
      { run_id: 'r', metrics: [{ key: 'a', value: 1, timestamp: 1, step: '3' }] },
      { run_id: 'r', metrics: [{ key: 1, value: 1, timestamp: 1 }] },
      { run_id: 'r', metrics: [{ value: 1, timestamp: 1 }] },
      { run_id: 'r', metrics: [{ key: 'a', value: 1, timestamp: 1, model_id: 7 }] },
      { run_id: 'r', metrics: [null] },
      { run_id: 'r', metrics: 'no' },
      { metrics: [{ key: 'a', value: 1, timestamp: 1 }] },
      { run_id: 5, metrics: [{ key: 'a', value: 1, timestamp: 1 }] },
      { run_id: 'r', metrics: [{ key: 'a', value: 1, timestamp: 1 }], params: [{ key: 'p' }] },
    ]
    for (const body of bodies) {
      const viaSchema = schema.safeParse(body)
      const viaFast = fast(body)
      if (viaSchema.success && viaFast === undefined) continue // a string number: the schema converts it
      if (viaSchema.success) expect(viaFast).toEqual(viaSchema.data)
      else {
        expect(viaFast).toBeUndefined()
        expect(messageOf(body)).toMatch(/parameter '/)
      }
    }
    expect(fast({ run_id: 5, metrics: [{ key: 'a', value: 1, timestamp: 1 }] })).toBeUndefined()
    expect(messageOf({ run_id: 5, metrics: [{ key: 'a', value: 1, timestamp: 1 }] })).toContain("'run_id'")
    expect(messageOf({ run_id: 'r', metrics: [{ key: 'a', value: 1, timestamp: 1.5 }] })).toContain(
      "'metrics[0].timestamp'",
    )
  })
})
