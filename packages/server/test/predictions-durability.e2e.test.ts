/**
 * The prediction log under eight concurrent clients on a real server process, then SIGKILL: every
 * record acknowledged is kept once and the summary is exact after the restart. A process test (real
 * connections at once, a killed process), so it runs the built CLI; the prediction log's REST API
 * itself is tested in-process in predictions-api.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { startKeelServer } from './support/keel-server.js'

const T0 = 1_764_200_000_000
const DEPLOYMENT = 'concurrent'

/** A wire record with every required field. */
const wire = (n: number) => ({
  request_id: `c${n}`,
  deployment: DEPLOYMENT,
  model_name: 'iris-classifier',
  model_version: '3',
  model_uri: 'models:/iris-classifier/3',
  variant: n % 2 ? 'challenger' : 'champion',
  shadow: false,
  timestamp_ms: T0 + n,
  latency_ms: 0.42,
  protocol: 'v2',
  inputs: [{ sepal_length: 5.1, sepal_width: 3.5, note: 'a' }],
  outputs: [0],
  probabilities: [[0.9, 0.05, 0.05]],
  status_code: 200,
})

describe('concurrent writers and a crash', () => {
  it('eight clients sending overlapping batches at once: each record once, the summary exact, all kept after SIGKILL', async () => {
    const first = await startKeelServer()
    try {
      const failures: string[] = []
      // Client c owns records [c*125, c*125+125), sent in 5 batches of 25; each batch also carries
      // 10 records of the next client's, which that client sends too (a duplicate from elsewhere).
      await Promise.all(
        Array.from({ length: 8 }, async (_, c) => {
          for (let b = 0; b < 5; b++) {
            const own = Array.from({ length: 25 }, (_, i) => c * 125 + b * 25 + i)
            const neighbour = Array.from({ length: 10 }, (_, i) => ((c + 1) % 8) * 125 + b * 25 + i)
            const res = await fetch(`${first.url}/api/2.0/keel/predictions/log-batch`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ records: [...own, ...neighbour].map(wire), dropped: 1 }),
            })
            if (res.status !== 200) failures.push(await res.text())
          }
        }),
      )
      expect(failures).toEqual([])
      await first.stop('SIGKILL')
      const second = await startKeelServer({ dataDir: first.dataDir })
      try {
        const got = (await fetch(
          `${second.url}/api/2.0/keel/predictions/search?deployment=${DEPLOYMENT}&max_results=10000`,
        ).then((r) => r.json())) as { records: { request_id: string }[] }
        const ids = got.records.map((r) => r.request_id)
        expect(new Set(ids).size).toBe(ids.length)
        expect(ids).toEqual(Array.from({ length: 1000 }, (_, n) => `c${n}`))
        const summary = (
          (await fetch(`${second.url}/api/2.0/keel/predictions/deployments`).then((r) => r.json())) as {
            deployments: unknown[]
          }
        ).deployments[0]
        // Every batch brought records no one else sent, so each of the 40 dropped counts counts.
        expect(summary).toEqual({
          deployment: DEPLOYMENT,
          records: 1000,
          dropped: 40,
          first_timestamp_ms: T0,
          last_timestamp_ms: T0 + 999,
          variants: ['challenger', 'champion'],
          model_versions: ['3'],
        })
      } finally {
        await second.close()
      }
    } finally {
      await first.close()
    }
  }, 60_000)
})
