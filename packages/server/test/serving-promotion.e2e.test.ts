/**
 * Promotion without downtime, against a real serving process (its tracking server in-process, on a
 * socket for it to reach): while a steady stream of requests runs, the alias the deployment follows
 * is moved to another version and back (the rollback). The server must switch over between
 * requests and never fail one.
 */
import { RandomForestClassifier, loadIris } from '@keel/ml'
import { createKeel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { type ModelServerProcess, type Reply, send, startModelServe } from './support/model-server.js'

const iris = loadIris()
const columns = iris.featureNames
const rows = iris.data.map((r) => [...r])
let tracking: InProcessKeel
let serving: ModelServerProcess
const keel = () => createKeel({ trackingUri: tracking.url })
const predictions: Record<string, unknown[]> = {}

beforeAll(async () => {
  tracking = await startKeelApp({ listen: true })
  const sdk = keel()
  await sdk.setExperiment('serving-promotion')
  for (const seed of [1, 2]) {
    // version 2 learns the labels rotated by one, so its answers tell it apart
    const target = seed === 1 ? iris.target : iris.target.map((t) => (t + 1) % 3)
    const forest = new RandomForestClassifier({ nEstimators: 6, maxDepth: 4, seed }).fit(iris.data, target)
    const runId = await sdk.withRun({}, async (run) => {
      await run.logModel(forest, { featureNames: columns })
      return run.runId
    })
    await sdk.registerModel(`runs:/${runId}/model`, 'iris-promo')
    const loaded = await sdk.loadModel(`models:/iris-promo/${seed}`)
    predictions[String(seed)] = await loaded.predict(rows)
    await loaded.close()
  }
  await sdk.registry.setRegisteredModelAlias('iris-promo', 'champion', '1')
  serving = await startModelServe(
    ['-m', 'models:/iris-promo@champion', '-w', '1', '--poll-interval', '100'],
    tracking.url,
  )
})
afterAll(async () => {
  await serving?.stop()
  await tracking?.close()
})

describe('hot promotion', () => {
  it('follows the alias to a new version and back under a steady stream, failing no request', async () => {
    const replies: { reply: Reply; row: number }[] = []
    let running = true
    const stream = Promise.all(
      Array.from({ length: 6 }, async (_, worker) => {
        for (let i = worker; running; i += 6) {
          const row = i % rows.length
          const reply = await send(`${serving.url}/invocations`, 'POST', JSON.stringify({ instances: [rows[row]] }))
          replies.push({ reply, row })
        }
      }),
    )
    /** Polls the stream (briefly between looks) until `count` more answers came from `version`. */
    const answeredBy = async (version: string, count: number) => {
      const from = replies.length
      const deadline = Date.now() + 20_000
      while (
        replies.slice(from).filter(({ reply }) => reply.headers['x-keel-model-version'] === version).length < count
      ) {
        if (Date.now() > deadline) throw new Error(`no ${count} answers from version ${version}`)
        await new Promise((r) => setTimeout(r, 25))
      }
    }
    await answeredBy('1', 50) // the stream is under way
    await keel().registry.setRegisteredModelAlias('iris-promo', 'champion', '2')
    await answeredBy('2', 50)
    await keel().registry.setRegisteredModelAlias('iris-promo', 'champion', '1') // the rollback
    await answeredBy('1', 50)
    running = false
    await stream

    const failed = replies.filter(({ reply }) => reply.status !== 200)
    expect(failed.map(({ reply }) => reply.text)).toEqual([])
    expect(replies.length).toBeGreaterThan(100)
    // every answer is exactly the prediction of the version its header names
    for (const { reply, row } of replies) {
      const version = reply.headers['x-keel-model-version'] as string
      expect(reply.json().predictions).toEqual([predictions[version]![row]])
    }
    const versions = replies.map(({ reply }) => reply.headers['x-keel-model-version'])
    const switches = versions.filter((v, i) => i > 0 && v !== versions[i - 1]).length
    expect(versions[0]).toBe('1')
    expect(versions.includes('2')).toBe(true)
    expect(switches).toBeGreaterThanOrEqual(2)
    const metrics = (await send(`${serving.url}/metrics`, 'GET')).text
    expect(metrics).toMatch(/keel_serving_version_switches_total\{[^}]*from="1",to="2"[^}]*\} 1/)
    expect(metrics).toMatch(/keel_serving_version_switches_total\{[^}]*from="2",to="1"[^}]*\} 1/)
    expect(serving.output()).toMatch(/switched version.*variant=default from=1 to=2/)
  })

  it('keeps serving the loaded version when the alias points at nothing', async () => {
    await keel().registry.deleteRegisteredModelAlias('iris-promo', 'champion')
    // The server has checked the registry since (it says so), and answers with what it loaded.
    const deadline = Date.now() + 20_000
    while (!/registry check failed; serving the loaded version/.test(serving.output())) {
      if (Date.now() > deadline) throw new Error(`the server did not check the registry:\n${serving.output()}`)
      await new Promise((r) => setTimeout(r, 25))
    }
    const reply = await send(`${serving.url}/invocations`, 'POST', JSON.stringify({ instances: [rows[0]] }))
    expect(reply.status).toBe(200)
    expect(reply.headers['x-keel-model-version']).toBe('1')
  })
})
