/**
 * Deployments of several variants, against real serving processes (their tracking server
 * in-process, on a socket for them to reach): a sticky A/B split whose observed ratio over 10,000
 * keyed requests is within 2 points of its weights, a random canary, a shadow that never leaks into
 * responses, micro-batching that gives each caller its own rows, shedding with 503 under overload
 * and recovering, and metrics summed over a cluster's workers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RandomForestClassifier, loadIris } from '@keel/ml'
import { createKeel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { type ModelServerProcess, pool, send, startModelServe } from './support/model-server.js'

const iris = loadIris()
const columns = iris.featureNames
const rows = iris.data.map((r) => [...r])
const dir = mkdtempSync(join(tmpdir(), 'keel-serving-traffic-'))
let tracking: InProcessKeel
/** Predictions of versions 1 and 2 on every iris row: v2 learnt shuffled labels, so they differ. */
const predictions: Record<'1' | '2', unknown[]> = { '1': [], '2': [] }
const servers: ModelServerProcess[] = []

const body = (i: number) => JSON.stringify({ dataframe_split: { columns, data: [rows[i % rows.length]] } })

async function serveFile(yaml: string, extra: string[] = []): Promise<ModelServerProcess> {
  const file = join(dir, `deployment-${servers.length}.yaml`)
  writeFileSync(file, yaml)
  const server = await startModelServe(['--deployment', file, '-w', '1', ...extra], tracking.url)
  servers.push(server)
  return server
}

beforeAll(async () => {
  tracking = await startKeelApp({ listen: true })
  const keel = createKeel({ trackingUri: tracking.url })
  await keel.setExperiment('serving-traffic')
  const shuffled = [...iris.target].sort((a, b) => ((a * 7 + b * 3) % 5) - 2) // a fixed, label-scrambling permutation
  const labelSets = [iris.target, shuffled.map((_, i) => iris.target[(i * 37) % iris.target.length]!)]
  for (const [k, target] of labelSets.entries()) {
    const forest = new RandomForestClassifier({ nEstimators: 8, maxDepth: 4, seed: 5 + k }).fit(iris.data, target)
    const runId = await keel.withRun({}, async (run) => {
      await run.logModel(forest, { featureNames: columns })
      return run.runId
    })
    await keel.registerModel(`runs:/${runId}/model`, 'iris-ab')
    const loaded = await keel.loadModel(`models:/iris-ab/${k + 1}`)
    predictions[String(k + 1) as '1' | '2'] = await loaded.predict(rows)
    await loaded.close()
  }
  expect(predictions['1']).not.toEqual(predictions['2'])
})
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()))
  await tracking?.close()
})

describe('traffic policies', () => {
  it('splits 10,000 keyed requests 70/30 within 2 points, and a key always sees the same variant', async () => {
    const server = await serveFile(`
name: iris-ab
variants:
  - { name: champion, model: "models:/iris-ab/1", weight: 70 }
  - { name: challenger, model: "models:/iris-ab/2", weight: 30 }
routing: { sticky_header: X-User-Id }
`)
    const seen = await pool(10_000, 32, async (i) => {
      const reply = await send(`${server.url}/invocations`, 'POST', body(i), { 'x-user-id': `user-${i}` })
      expect(reply.status).toBe(200)
      const version = reply.headers['x-keel-model-version'] as '1' | '2'
      expect(reply.headers['x-keel-variant']).toBe(version === '1' ? 'champion' : 'challenger')
      expect(reply.json().predictions).toEqual([predictions[version][i % rows.length]])
      return version
    })
    const share = seen.filter((v) => v === '2').length / seen.length
    expect(Math.abs(share - 0.3)).toBeLessThan(0.02)
    const again = await pool(
      500,
      16,
      async (i) =>
        (await send(`${server.url}/invocations`, 'POST', body(i), { 'x-user-id': `user-${i}` })).headers[
          'x-keel-model-version'
        ],
    )
    expect(again).toEqual(seen.slice(0, 500))
    const metrics = (await send(`${server.url}/metrics`, 'GET')).text
    const count = (variant: string) =>
      Number(
        new RegExp(`keel_serving_requests_total\\{[^}]*variant="${variant}"[^}]*code="200"[^}]*\\} (\\d+)`).exec(
          metrics,
        )?.[1],
      )
    expect(count('champion') + count('challenger')).toBe(10_500)
    expect(count('challenger')).toBe(seen.filter((v) => v === '2').length + again.filter((v) => v === '2').length)
  })

  it('sends a canary its share of unkeyed traffic at random', async () => {
    const server = await serveFile(`
variants:
  - { name: stable, model: "models:/iris-ab/1", weight: 90 }
  - { name: canary, model: "models:/iris-ab/2", weight: 10 }
`)
    const seen = await pool(
      2_000,
      16,
      async (i) => (await send(`${server.url}/invocations`, 'POST', body(i))).headers['x-keel-variant'],
    )
    const share = seen.filter((v) => v === 'canary').length / seen.length
    expect(share).toBeGreaterThan(0.07)
    expect(share).toBeLessThan(0.13)
  })

  it('runs a shadow on a copy of every request, logs its answers and never returns them', async () => {
    const server = await serveFile(`
name: iris-shadow
variants:
  - { name: live, model: "models:/iris-ab/1" }
  - { name: dark, model: "models:/iris-ab/2", shadow: true }
prediction_log: { flush_ms: 100 }
`)
    const differing = rows.map((_, i) => i).filter((i) => predictions['1'][i] !== predictions['2'][i])
    expect(differing.length).toBeGreaterThan(10)
    await pool(differing.length, 8, async (k) => {
      const i = differing[k]!
      const reply = await send(`${server.url}/invocations`, 'POST', body(i), { 'x-request-id': `shadow-${i}` })
      expect(reply.status).toBe(200)
      expect(reply.headers['x-keel-variant']).toBe('live')
      expect(reply.json().predictions).toEqual([predictions['1'][i]])
    })
    const i = differing[0]!
    let records: { variant: string; shadow: boolean; outputs: unknown[] }[] = []
    for (let t = 0; t < 100 && records.length < 2; t++) {
      await new Promise((r) => setTimeout(r, 100))
      const res = await fetch(`${tracking.url}/api/2.0/keel/predictions/get?request_id=shadow-${i}`)
      if (res.ok) records = ((await res.json()) as { records: typeof records }).records
    }
    const byVariant = Object.fromEntries(records.map((r) => [r.variant, r]))
    expect(byVariant.live).toMatchObject({ shadow: false, outputs: [predictions['1'][i]] })
    expect(byVariant.dark).toMatchObject({ shadow: true, outputs: [predictions['2'][i]] })
    const metrics = (await send(`${server.url}/metrics`, 'GET')).text
    expect(metrics).toMatch(
      new RegExp(
        `keel_serving_shadow_requests_total\\{[^}]*variant="dark"[^}]*outcome="ok"[^}]*\\} ${differing.length}\\b`,
      ),
    )
    expect(metrics).not.toMatch(/keel_serving_requests_total\{[^}]*variant="dark"/)
  })
})

describe('micro-batching and overload', () => {
  it('batches concurrent requests, gives each its own rows, sheds beyond the limit with 503 and recovers', async () => {
    const server = await serveFile(`
variants: [{ name: only, model: "models:/iris-ab/1" }]
batching: { max_batch_size: 1000, max_wait_ms: 300 }
max_concurrency: 8
`)
    // 8 requests fit: they wait together for one batch and each gets its own predictions.
    const admitted = await pool(8, 8, async (i) => {
      const data = [rows[i * 3], rows[i * 3 + 1]]
      const reply = await send(
        `${server.url}/invocations`,
        'POST',
        JSON.stringify({ dataframe_split: { columns, data } }),
      )
      return { reply, i }
    })
    for (const { reply, i } of admitted) {
      expect(reply.status, reply.text).toBe(200)
      expect(reply.json().predictions).toEqual([predictions['1'][i * 3], predictions['1'][i * 3 + 1]])
    }
    // 20 at once: 8 are admitted, the rest are shed at once with 503 and Retry-After.
    const burst = await pool(20, 20, (i) => send(`${server.url}/invocations`, 'POST', body(i)))
    const shed = burst.filter((r) => r.status === 503)
    expect(burst.filter((r) => r.status === 200)).toHaveLength(8)
    expect(shed).toHaveLength(12)
    expect(shed[0]!.headers['retry-after']).toBe('1')
    expect(shed[0]!.json().message).toMatch(/concurrency limit/)
    // and it recovers
    const after = await send(`${server.url}/invocations`, 'POST', body(0))
    expect(after.status).toBe(200)
    expect((await send(`${server.url}/metrics`, 'GET')).text).toMatch(
      /keel_serving_shed_total\{[^}]*reason="concurrency"[^}]*\} 12/,
    )
  })
})

describe('a cluster of workers', () => {
  it('serves from two workers and sums their metrics', async () => {
    const server = await serveFile('variants: [{ name: only, model: "models:/iris-ab/1" }]\n', ['-w', '2'])
    const replies = await pool(400, 16, (i) =>
      send(`${server.url}/invocations`, 'POST', body(i), { connection: i % 2 === 0 ? 'close' : 'keep-alive' }),
    )
    expect(replies.every((r) => r.status === 200)).toBe(true)
    const metrics = (await send(`${server.url}/metrics`, 'GET')).text
    expect(metrics, server.output()).toMatch(/keel_serving_requests_total\{[^}]*code="200"[^}]*\} 400\b/)
  })
})
