/**
 * `keel models serve --require-auth` as a real process (a tracking server with basic-auth in the
 * test's process, on a socket for it to reach): a deployment of two registered models (a live champion and a shadow), and model servers that
 * check each caller against the tracking server. Without credentials: 401 with WWW-Authenticate
 * in each protocol's form, health probes open; READ only: metadata yes, predictions 403; USE on
 * every model behind the deployment: predictions; tokens work and stop within the cache bound
 * once revoked; a tracking server that cannot answer means 503, never a prediction. And the
 * loopback rule: `--host 0.0.0.0` without --require-auth or --no-auth exits 2.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RandomForestClassifier, loadIris } from '@keel/ml'
import { type Keel, createKeel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { KEEL_BIN } from './support/keel-server.js'
import { type ModelServerProcess, type Reply, send, startModelServe } from './support/model-server.js'

const ADMIN = { username: 'admin', password: 'admin-password-1' }
const PASSWORD = 'a-password-1234'
/** The gated server's --auth-cache-seconds: revocations must take effect within it. */
const TTL_S = 2
/**
 * The cache bound is what is tested, so time is: a revocation must be seen within TTL_S, plus this
 * slack for a loaded machine (the default bound, 30 s, would still fail).
 */
const SLACK_MS = 5_000
const iris = loadIris()
const columns = iris.featureNames
const row = [...iris.data[0]!]
const dir = mkdtempSync(join(tmpdir(), 'keel-serving-auth-'))

type Served = ModelServerProcess

/** `keel models serve` with the serving process's own credentials (it loads models and logs through them). */
const serve = (args: readonly string[], trackingUri: string): Promise<Served> =>
  startModelServe(['-w', '1', ...args], trackingUri, {
    MLFLOW_TRACKING_USERNAME: ADMIN.username,
    MLFLOW_TRACKING_PASSWORD: ADMIN.password,
  })

const basic = (username: string, password = PASSWORD) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
const scoring = JSON.stringify({ dataframe_split: { columns, data: [row] } })
const tensors = JSON.stringify({
  inputs: columns.map((name, j) => ({ name, shape: [1], datatype: 'FP64', data: [row[j]] })),
})
const auth = (authorization?: string): Record<string, string> => (authorization === undefined ? {} : { authorization })
const invocations = (s: Served, authorization?: string) =>
  send(`${s.url}/invocations`, 'POST', scoring, auth(authorization))
const infer = (s: Served, authorization?: string) =>
  send(`${s.url}/v2/models/gated/infer`, 'POST', tensors, auth(authorization))
const get = (s: Served, path: string, authorization?: string) =>
  send(`${s.url}${path}`, 'GET', undefined, auth(authorization))

/** Polls (briefly between tries) until `reply()` answers `status`; fails past `withinMs`. */
async function until(status: number, reply: () => Promise<Reply>, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs
  for (;;) {
    const r = await reply()
    if (r.status === status) return
    if (Date.now() > deadline) throw new Error(`still ${r.status} after ${withinMs} ms: ${r.text}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

let tracking: InProcessKeel
/** The last test stops the tracking server. */
let trackingStopped = false
let admin: Keel
/** The deployment `gated`: champion from models:/auth-main@champion, shadow models:/auth-shadow/1; cache 2 s. */
let gated: Served
/** models:/auth-main/1 with --require-auth and the default cache (30 s). */
let steady: Served
let unregisteredRun: string

beforeAll(async () => {
  tracking = await startKeelApp({
    listen: true,
    args: ['--app-name', 'basic-auth'],
    env: { MLFLOW_AUTH_ADMIN_USERNAME: ADMIN.username, MLFLOW_AUTH_ADMIN_PASSWORD: ADMIN.password },
  })
  admin = createKeel({ trackingUri: tracking.url, ...ADMIN })
  await admin.setExperiment('serving-auth')
  const forest = new RandomForestClassifier({ nEstimators: 5, maxDepth: 3, seed: 3 }).fit(iris.data, iris.target)
  const runIds: string[] = []
  for (let i = 0; i < 3; i++) {
    runIds.push(
      await admin.withRun({}, async (run) => {
        await run.logModel(forest, { featureNames: columns })
        return run.runId
      }),
    )
  }
  await admin.registerModel(`runs:/${runIds[0]}/model`, 'auth-main')
  await admin.registry.setRegisteredModelAlias('auth-main', 'champion', '1')
  await admin.registerModel(`runs:/${runIds[1]}/model`, 'auth-shadow')
  unregisteredRun = runIds[2]!
  for (const name of ['reader', 'user', 'half']) await admin.auth.createUser(name, PASSWORD)
  await admin.auth.grantPermission('user', 'registered_model', 'auth-main', 'USE')
  await admin.auth.grantPermission('user', 'registered_model', 'auth-shadow', 'USE')
  await admin.auth.grantPermission('half', 'registered_model', 'auth-main', 'USE')

  const file = join(dir, 'deployment.yaml')
  writeFileSync(
    file,
    [
      'name: gated',
      'variants:',
      '  - { name: champion, model: "models:/auth-main@champion", weight: 1 }',
      '  - { name: shadow, model: "models:/auth-shadow/1", shadow: true }',
    ].join('\n'),
  )
  ;[gated, steady] = await Promise.all([
    serve(['--deployment', file, '--require-auth', '--auth-cache-seconds', String(TTL_S)], tracking.url),
    serve(['-m', 'models:/auth-main/1', '--name', 'gated', '--require-auth'], tracking.url),
  ])
}, 60_000)

afterAll(async () => {
  await Promise.all([gated?.stop(), steady?.stop()])
  if (!trackingStopped) await tracking?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('keel models serve --require-auth', () => {
  it('answers 401 with WWW-Authenticate, in each protocol’s form, to a caller without valid credentials; health probes stay open', async () => {
    for (const authorization of [
      undefined,
      basic('reader', 'wrong-password'),
      basic('nobody'),
      'Bearer keel_0000000000000000_forged',
      'Digest username="reader"',
      'Basic',
    ]) {
      const scored = await invocations(gated, authorization)
      expect(scored.status, `${authorization}: ${scored.text}`).toBe(401)
      expect(scored.headers['www-authenticate']).toBe('Basic realm="keel"')
      expect(scored.json()).toMatchObject({
        error_code: 'UNAUTHENTICATED',
        message: expect.stringMatching(
          /^(Authentication required|Unsupported or malformed|The tracking server refused)/,
        ),
      })
      const inferred = await infer(gated, authorization)
      expect(inferred.status).toBe(401)
      expect(inferred.headers['www-authenticate']).toBe('Basic realm="keel"')
      expect(Object.keys(inferred.json())).toEqual(['error'])
    }
    expect((await invocations(gated)).json().message).toMatch(
      /Authorization: Basic .* or Bearer \(a keel personal access token\)/,
    )
    expect((await invocations(gated, 'Digest username="reader"')).json().message).toMatch(
      /^Unsupported or malformed Authorization header/,
    )
    expect((await invocations(gated, basic('reader', 'wrong-password'))).json().message).toMatch(
      /refused these credentials/,
    )
    // Metadata and other models' paths are closed too (the deployment's name is not given away).
    for (const path of [
      '/v2/models/gated',
      '/v2/models/gated/ready',
      '/v2/models/gated/versions/1',
      '/v2/models/other',
      '/metrics',
      '/keel/deployment',
      '/version',
      '/v2',
    ]) {
      expect((await get(gated, path)).status, path).toBe(401)
    }
    expect((await send(`${gated.url}/v2/models/other/infer`, 'POST', tensors)).status).toBe(401)
    for (const path of ['/ping', '/health', '/v2/health/live', '/v2/health/ready'])
      expect((await get(gated, path)).status, path).toBe(200)
  })

  it('lets a user with READ only read the metadata, and refuses predictions with 403', async () => {
    const reader = basic('reader')
    const scored = await invocations(gated, reader)
    expect(scored.status).toBe(403)
    expect(scored.json()).toEqual({
      error_code: 'PERMISSION_DENIED',
      message: "Permission denied: reader needs USE on registered model 'auth-main' to predict with it (has READ)",
    })
    const inferred = await infer(gated, reader)
    expect(inferred.status).toBe(403)
    expect(inferred.json()).toEqual({ error: expect.stringMatching(/reader needs USE on registered model/) })
    expect(inferred.headers['www-authenticate']).toBeUndefined()
    const metadata = await get(gated, '/v2/models/gated', reader)
    expect(metadata.status, metadata.text).toBe(200)
    expect(metadata.json()).toMatchObject({ name: 'gated', versions: expect.arrayContaining(['1']) })
    expect((await get(gated, '/metrics', reader)).text).toMatch(/keel_serving_/)
    expect((await get(gated, '/keel/deployment', reader)).json().variants).toHaveLength(2)
  })

  it('serves a user with USE on every registered model behind the deployment, and refuses one who lacks it on the shadow’s', async () => {
    const scored = await invocations(gated, basic('user'))
    expect(scored.status, scored.text).toBe(200)
    expect(scored.json().predictions).toHaveLength(1)
    expect((await infer(gated, basic('user'))).status).toBe(200)
    const half = await invocations(gated, basic('half'))
    expect(half.status).toBe(403)
    expect(half.json().message).toBe(
      "Permission denied: half needs USE on registered model 'auth-shadow' to predict with it (has READ)",
    )
    // The single-model server needs only auth-main.
    expect((await invocations(steady, basic('half'))).status).toBe(200)
  })

  it('takes a personal access token, and refuses it within the cache bound once revoked', async () => {
    const user = createKeel({ trackingUri: tracking.url, username: 'user', password: PASSWORD })
    const { token, info } = await user.auth.createToken('scoring', 1)
    expect((await invocations(gated, `Bearer ${token}`)).status).toBe(200)
    expect((await infer(gated, `Bearer ${token}`)).status).toBe(200)
    await user.auth.revokeToken(info.tokenId)
    await until(401, () => invocations(gated, `Bearer ${token}`), TTL_S * 1000 + SLACK_MS)
  })

  it('takes a revoked permission away within the cache bound', async () => {
    await admin.auth.createUser('revoked', PASSWORD)
    await admin.auth.grantPermission('revoked', 'registered_model', 'auth-main', 'USE')
    await admin.auth.grantPermission('revoked', 'registered_model', 'auth-shadow', 'USE')
    expect((await invocations(gated, basic('revoked'))).status).toBe(200)
    await admin.auth.revokePermission('revoked', 'registered_model', 'auth-shadow')
    await until(403, () => invocations(gated, basic('revoked')), TTL_S * 1000 + SLACK_MS)
  })

  it('refuses to serve a model that is not a registered version, there being no permission to check', async () => {
    const res = await runServe(['-m', `runs:/${unregisteredRun}/model`, '--require-auth'], tracking.url)
    expect(res.status).toBe(1)
    expect(res.stderr).toMatch(
      /--require-auth checks callers' permissions on registered models, but variant 'default' serves 'runs:\/\w+\/model'/,
    )
  })
})

describe('starting the model server', () => {
  it('refuses --host 0.0.0.0 without --require-auth or --no-auth, exit code 2, naming both ways out', async () => {
    const res = await runServe(['-m', 'models:/auth-main/1', '--host', '0.0.0.0'], 'http://127.0.0.1:1')
    expect(res.status).toBe(2)
    expect(res.stderr).toMatch(
      /refusing to listen on 0\.0\.0\.0 without authentication: anyone who can reach this port could call the model/,
    )
    expect(res.stderr).toMatch(/--require-auth/)
    expect(res.stderr).toMatch(/keel models serve -m MODEL --host 0\.0\.0\.0 --no-auth/)
  })

  it('refuses contradictory flags', async () => {
    const both = await runServe(['-m', 'models:/auth-main/1', '--require-auth', '--no-auth'], 'http://127.0.0.1:1')
    expect(both.status).not.toBe(0)
    expect(both.stderr).toMatch(/--no-auth.*cannot be used with.*--require-auth/)
    const cache = await runServe(['-m', 'models:/auth-main/1', '--auth-cache-seconds', '5'], 'http://127.0.0.1:1')
    expect(cache.status).toBe(1)
    expect(cache.stderr).toMatch(/--auth-cache-seconds applies only with --require-auth/)
  })

  it('refuses --require-auth against a tracking server that does not ask for credentials', async () => {
    const open = await startKeelApp({ listen: true })
    try {
      const res = await runServe(['-m', 'models:/auth-main/1', '--require-auth'], open.url)
      expect(res.status).toBe(1)
      expect(res.stderr).toContain(
        `--require-auth checks callers against the tracking server, but ${open.url} does not ask for credentials`,
      )
    } finally {
      await open.close()
    }
  })
})

// Last: stops the tracking server.
describe('when the tracking server cannot answer', () => {
  it('answers 503 to credentials it cannot verify, never the prediction; a verdict still cached serves until it expires', async () => {
    const user = basic('user')
    expect((await invocations(steady, user)).status).toBe(200)
    expect((await invocations(gated, user)).status).toBe(200)
    trackingStopped = true
    await tracking.close()
    // The hot path does not ask the tracking server: within its 30 s, steady's verdict stands.
    expect((await invocations(steady, user)).status).toBe(200)
    const fresh = await invocations(steady, basic('reader'))
    expect(fresh.status).toBe(503)
    expect(fresh.json()).toEqual({
      error_code: 'TEMPORARILY_UNAVAILABLE',
      message: 'Cannot verify the credentials: the tracking server is unreachable; try again later',
    })
    expect(fresh.headers['retry-after']).toBe('5')
    const inferred = await infer(steady, basic('revoked'))
    expect(inferred.status).toBe(503)
    expect(inferred.json()).toEqual({ error: expect.stringMatching(/^Cannot verify the credentials/) })
    // gated's verdict expires after 2 s; then it cannot verify either.
    await until(503, () => invocations(gated, user), TTL_S * 1000 + SLACK_MS)
    expect((await get(gated, '/ping')).status).toBe(200)
    expect(gated.output()).toMatch(/cannot verify callers: the tracking server did not answer/)
  }, 30_000)
})

/**
 * `keel models serve` expected to exit: its status and stderr. Not spawnSync: the tracking server
 * it asks runs in this process and must answer meanwhile.
 */
function runServe(args: readonly string[], trackingUri: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [KEEL_BIN, 'models', 'serve', '--port', '0', '--tracking-uri', trackingUri, '-w', '1', ...args],
      {
        encoding: 'utf8',
        timeout: 30_000,
        env: {
          ...process.env,
          NO_COLOR: '1',
          MLFLOW_TRACKING_USERNAME: ADMIN.username,
          MLFLOW_TRACKING_PASSWORD: ADMIN.password,
        },
      },
      (_error, _stdout, stderr) => resolve({ status: child.exitCode, stderr }),
    )
  })
}
