import { describe, expect, it } from 'vitest'
import { parseDeploymentFile } from './deployment-spec.js'
import { TrafficPolicy, stickyPoint } from './traffic.js'

describe('deployment files', () => {
  it('reads variants, routing, batching and the prediction log, with defaults', () => {
    const spec = parseDeploymentFile(
      `
variants:
  - { name: champion, model: "models:/iris@champion", weight: 90 }
  - { name: canary, model: "models:/iris/7", weight: 10 }
  - { name: dark, model: "models:/iris/8", shadow: true }
routing: { sticky_header: X-User }
batching: { max_batch_size: 16 }
prediction_log: { queue_size: 100 }
`,
      'd.yaml',
    )
    expect(spec.name).toBe('iris')
    expect(spec.variants).toEqual([
      { name: 'champion', modelUri: 'models:/iris@champion', weight: 90, shadow: false },
      { name: 'canary', modelUri: 'models:/iris/7', weight: 10, shadow: false },
      { name: 'dark', modelUri: 'models:/iris/8', weight: 0, shadow: true },
    ])
    expect(spec.stickyHeader).toBe('x-user')
    expect(spec.batching).toEqual({ maxBatchSize: 16, maxWaitMs: 2 })
    expect(spec.predictionLog).toMatchObject({ enabled: true, queueSize: 100, batchSize: 500 })
  })

  it('names what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['variants: [', /not valid YAML or JSON/],
      ['name: x', /'variants' must be a list/],
      ['variants: []', /at least one variant/],
      ['variants: [{ name: a }]', /variants\[0\]\.model is required/],
      ['variants: [{ model: "models:/m/1", weight: -1 }]', /weight must be a number >= 0/],
      ['variants: [{ model: "models:/m/1", weight: "ten" }]', /weight must be a number/],
      ['variants: [{ model: "s3://bucket/m" }]', /keel does not read 's3:' URIs/],
      ['variants: [{ model: "models:/m/1", shadow: true }]', /every variant is a shadow/],
      [
        'variants: [{ model: "models:/m/1", shadow: true, weight: 3 }, { model: "models:/m/2" }]',
        /a shadow takes no live traffic/,
      ],
      [
        'variants: [{ name: a, model: "models:/m/1" }, { name: a, model: "models:/m/2" }]',
        /two variants are named 'a'/,
      ],
      ['variants: [{ model: "models:/m/1", weight: 0 }]', /weights sum to 0/],
      ['variants: [{ model: "models:/m/1" }]\nrouting: { sticky_header: a, sticky_field: b }', /not both/],
      [
        'variants: [{ model: "models:/m/1" }]\nbatching: { max_batch_size: 0 }',
        /max_batch_size must be an integer >= 1/,
      ],
      ['variants: [{ model: "models:/m/1" }]\nreplicas: 3', /unknown key replicas/],
    ]
    for (const [text, message] of cases) expect(() => parseDeploymentFile(text, 'd.yaml'), text).toThrow(message)
  })
})

describe('traffic policy', () => {
  it('hashes keys uniformly into [0, 1) and always the same way', () => {
    const points = Array.from({ length: 20_000 }, (_, i) => stickyPoint(`user-${i}`))
    expect(points.every((p) => p >= 0 && p < 1)).toBe(true)
    expect(stickyPoint('user-7')).toBe(points[7])
    // ten equal buckets each hold 10% ± 1 point (the binomial sd here is 0.2 points)
    const buckets = new Array<number>(10).fill(0)
    for (const p of points) buckets[Math.floor(p * 10)]!++
    for (const b of buckets) expect(Math.abs(b / points.length - 0.1)).toBeLessThan(0.01)
  })

  it('never picks a zero-weight variant and picks by weight', () => {
    const policy = new TrafficPolicy([1, 0, 3])
    const counts = [0, 0, 0]
    for (let i = 0; i < 8_000; i++) counts[policy.pick(`k${i}`)]!++
    expect(counts[1]).toBe(0)
    expect(Math.abs(counts[2]! / 8_000 - 0.75)).toBeLessThan(0.02)
  })
})
