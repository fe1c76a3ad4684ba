/**
 * No request can make keel server run a program, and webhooks reach only what the operator allows.
 * The server in-process (through the app's request function), started with `--config` and restarted
 * on the same data with another: a rule carrying a `command` is refused, a rule names the
 * operator's action (the server runs it as a child; its exit code and the KEEL_ALERT it got are
 * seen), an unknown action is refused listing the defined ones, webhooks to loopback, link-local,
 * private and IPv4-mapped targets (and a name resolving to loopback) are refused at creation,
 * allowed once the config allows them, refused again at delivery when the config no longer does,
 * and a failed delivery never records the target's body. A database whose rules still hold a
 * command (stored before actions) runs none of them. Every webhook target is a real receiver on
 * 127.0.0.1 in this process. The CLI's `--rule` (a process) is in alert-actions-cli.e2e.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createRng } from '@keel/ml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelReply, keelCall, ok } from './support/keel-api.js'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'

const scratch = mkdtempSync(join(tmpdir(), 'keel-monitor-actions-'))
const marker = join(scratch, 'retrain.json')
const legacyMarker = join(scratch, 'legacy-ran')
const SECRET = 'SECRET-internal-answer'

const retrain = [
  process.execPath,
  '-e',
  `require('fs').writeFileSync(${JSON.stringify(marker)}, process.env.KEEL_ALERT); console.log('retrained', process.env.FROM_CONFIG); process.exit(5)`,
]
const strictConfig = join(scratch, 'strict.yaml')
writeFileSync(
  strictConfig,
  `actions:\n  retrain:\n    command: ${JSON.stringify(retrain)}\n    timeout_seconds: 60\n    env: { FROM_CONFIG: yes }\n  notify:\n    command: ["true"]\n`,
)
const openConfig = join(scratch, 'open.json')
writeFileSync(
  openConfig,
  JSON.stringify({ actions: { retrain: { command: retrain } }, webhooks: { allow: ['127.0.0.1/32', 'localhost'] } }),
)

let server: InProcessKeel
let running = false
// One data folder for every start (a restart with another --config), removed with the scratch folder.
const dataDir = mkdtempSync(join(scratch, 'data-'))
let hook: Server
let hookPort = 0
let hookCalls = 0

const start = async (config: string) => {
  server = await startKeelApp({ dataDir, args: ['--monitor-interval', '0', '--config', config] })
  running = true
}
const stop = async () => {
  running = false
  await server.close()
}
const call = (method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<KeelReply> =>
  keelCall(server, method, path, body)

// ---- a seeded log: 200 reference rows, then windows of 100 whose x drifted ----
const random = createRng(3)
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
const T0 = 1_764_000_000_000
const DEPLOYMENT = 'churn'
const REFERENCE = 200
const WINDOW = 100
let logged = 0
const record = (i: number) => {
  const x = normal() + (i >= REFERENCE ? 3 : 0)
  return {
    request_id: `r${i}`,
    deployment: DEPLOYMENT,
    model_name: 'churn',
    model_version: '1',
    model_uri: 'models:/churn/1',
    variant: 'champion',
    protocol: 'v2',
    timestamp_ms: T0 + i * 1000,
    latency_ms: 1,
    inputs: [{ x, y: normal() }],
    outputs: [x > 0 ? 1 : 0],
    status_code: 200,
  }
}
async function logRows(n: number): Promise<void> {
  const records = Array.from({ length: n }, (_, k) => record(logged + k))
  logged += n
  await ok(call('POST', 'predictions/log-batch', { records }))
}
const monitorBody = (name: string, alert_rules: unknown[]) => ({
  name,
  deployment: DEPLOYMENT,
  reference: { log: { start_time: T0, end_time: T0 + REFERENCE * 1000 } },
  window: { count: WINDOW },
  alert_rules,
})

beforeAll(async () => {
  hook = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      hookCalls++
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${SECRET}: internal service details`)
    })
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()))
  hookPort = (hook.address() as { port: number }).port
  await start(strictConfig)
  await logRows(REFERENCE + WINDOW)
})

afterAll(async () => {
  if (running) await server.close()
  await new Promise((r) => hook?.close(r))
  rmSync(scratch, { recursive: true, force: true })
})

describe("alert rules name the operator's actions", () => {
  it('a rule carrying a command is refused with 400 naming the key and where commands are defined', async () => {
    for (const command of [['touch', '/tmp/pwned'], 'touch /tmp/pwned', []]) {
      const res = await call(
        'POST',
        'monitors/create',
        monitorBody('cmd', [{ kind: 'drift_share', threshold: 0.1, command }]),
      )
      expect(res.status, JSON.stringify(command)).toBe(400)
      expect(res.json.error_code).toBe('INVALID_PARAMETER_VALUE')
      expect(res.json.message).toMatch(/'alert_rules\[0\]\.command'/)
      expect(res.json.message).toMatch(
        /[Cc]ommands are now defined by the operator.*keel server --config <file>, actions\.<name>\.command.*'action'/,
      )
    }
    // Nothing was created.
    expect((await ok(call('GET', 'monitors/list', { deployment: DEPLOYMENT }))).monitors).toEqual([])
  })

  it('a rule naming an unknown action is refused with 400 listing the defined ones', async () => {
    const res = await call(
      'POST',
      'monitors/create',
      monitorBody('unknown', [{ rule_id: 'r', kind: 'drift_share', threshold: 0.1, action: 'deploy' }]),
    )
    expect(res.status).toBe(400)
    expect(res.json.message).toMatch(
      /'alert_rules\[0\]\.action'.*rule 'r': no action 'deploy' is defined by the operator; defined: notify, retrain/,
    )
  })

  it('the named action runs when the alert fires: its env, KEEL_ALERT and its exit code recorded', async () => {
    const { monitor } = await ok(
      call(
        'POST',
        'monitors/create',
        monitorBody('drifty', [{ rule_id: 'retrain', kind: 'drift_share', threshold: 0.3, action: 'retrain' }]),
      ),
    )
    expect(monitor.alert_rules).toEqual([
      { rule_id: 'retrain', kind: 'drift_share', threshold: 0.3, action: 'retrain' },
    ])
    const run = await ok(call('POST', 'monitors/run', { monitor_id: monitor.monitor_id }))
    expect(run.windows.map((w: any) => [w.window_id, w.dataset_drift])).toEqual([[1, true]])
    expect(run.alerts).toHaveLength(1)
    expect(run.alerts[0].action).toEqual({ name: 'retrain', exit_code: 5, output_tail: 'retrained yes\n' })
    const { alerts } = await ok(call('GET', 'monitors/alerts', { monitor_id: monitor.monitor_id }))
    expect(alerts.map((a: any) => a.action)).toEqual([
      { name: 'retrain', exit_code: 5, output_tail: 'retrained yes\n' },
    ])
    const got = JSON.parse(readFileSync(marker, 'utf8'))
    expect(got).toMatchObject({
      alert_id: alerts[0].alert_id,
      monitor_id: monitor.monitor_id,
      rule_id: 'retrain',
      kind: 'drift_share',
      window_id: 1,
      deployment: DEPLOYMENT,
    })
    // Not through an update either.
    const update = await call('POST', 'monitors/update', {
      monitor_id: monitor.monitor_id,
      alert_rules: [{ kind: 'drift_share', threshold: 0.3, command: ['id'] }],
    })
    expect(update.status).toBe(400)
    expect(update.json.message).toMatch(/'alert_rules\[0\]\.command'/)
    await ok(call('POST', 'monitors/delete', { monitor_id: monitor.monitor_id }))
  })
})

describe('webhook targets', () => {
  const refused: [string, RegExp][] = [
    ['http://127.0.0.1:PORT/alerts', /127\.0\.0\.1 is a loopback address/],
    ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local address/],
    ['http://10.1.2.3/hook', /10\.1\.2\.3 is a private address \(10\.0\.0\.0\/8\)/],
    ['http://[::1]:PORT/', /::1 is a loopback address/],
    ['http://[::ffff:127.0.0.1]:PORT/', /is an IPv6 form of a loopback address/],
    ['http://localhost:PORT/alerts', /host 'localhost' resolves to a loopback address/],
  ]

  it('loopback, link-local, private and IPv4-mapped targets, and names resolving there, are refused at creation', async () => {
    for (const [target, reason] of refused) {
      const url = target.replace('PORT', String(hookPort))
      const res = await call(
        'POST',
        'monitors/create',
        monitorBody('hooked', [
          { rule_id: 'hook', kind: 'drift_share', threshold: 0.3 },
          { rule_id: 'ping', kind: 'quality', threshold: 0.5, webhook_url: url },
        ]),
      )
      expect(res.status, url).toBe(400)
      expect(res.json.message, url).toMatch(/'alert_rules\[1\]\.webhook_url'.*rule 'ping': /)
      expect(res.json.message, url).toMatch(reason)
      expect(res.json.message, url).toMatch(/webhooks\.allow/)
    }
    expect(hookCalls).toBe(0)
  })

  it("allowed once the config allows them; a failed delivery records the status, not the target's body", async () => {
    await stop()
    await start(openConfig)
    const url = `http://127.0.0.1:${hookPort}/alerts`
    const { monitor } = await ok(
      call(
        'POST',
        'monitors/create',
        monitorBody('hooked', [
          { rule_id: 'hook', kind: 'drift_share', threshold: 0.3, webhook_url: url },
          { rule_id: 'named', kind: 'drift_share', threshold: 0.3, webhook_url: `http://localhost:${hookPort}/alerts` },
        ]),
      ),
    )
    const run = await ok(call('POST', 'monitors/run', { monitor_id: monitor.monitor_id }))
    expect(run.alerts.map((a: any) => a.webhook).sort((a: any, b: any) => a.url.localeCompare(b.url))).toEqual([
      { url, status: 500, error: 'HTTP 500' },
      { url: `http://localhost:${hookPort}/alerts`, status: 500, error: 'HTTP 500' },
    ])
    expect(hookCalls).toBe(4) // each tried twice
    const { alerts } = await ok(call('GET', 'monitors/alerts', { monitor_id: monitor.monitor_id }))
    expect(JSON.stringify(alerts)).not.toContain(SECRET)
  })

  it('refused again at delivery when the config no longer allows a stored target', async () => {
    await stop()
    await start(strictConfig)
    await logRows(WINDOW)
    const [monitor] = (await ok(call('GET', 'monitors/list', { deployment: DEPLOYMENT }))).monitors
    const run = await ok(call('POST', 'monitors/run', { monitor_id: monitor.monitor_id }))
    expect(run.windows.map((w: any) => w.window_id)).toEqual([2])
    const hooks = run.alerts.map((a: any) => a.webhook).sort((a: any, b: any) => a.url.localeCompare(b.url))
    expect(hooks[0].error).toMatch(/^refused: 127\.0\.0\.1 is a loopback address/)
    expect(hooks[1].error).toMatch(/^refused: host 'localhost' resolves to a loopback address/)
    for (const h of hooks) expect(h.status).toBeUndefined()
    expect(hookCalls).toBe(4) // nothing reached the receiver
    await ok(call('POST', 'monitors/delete', { monitor_id: monitor.monitor_id }))
  })
})

describe('a database whose rules still hold a command', () => {
  it('runs none of them: the alert records why, and an old command result reads as an action', async () => {
    const { monitor } = await ok(
      call('POST', 'monitors/create', monitorBody('legacy', [{ rule_id: 'old', kind: 'drift_share', threshold: 0.3 }])),
    )
    const run = await ok(call('POST', 'monitors/run', { monitor_id: monitor.monitor_id }))
    expect(run.alerts).toHaveLength(2)
    await stop()
    // As a server before actions stored them: the rule with its argv, an alert with the command's result.
    const db = new Database(server.dbPath)
    const settings = JSON.parse(
      (db.prepare('SELECT settings FROM monitors WHERE monitor_id = ?').get(monitor.monitor_id) as { settings: string })
        .settings,
    )
    settings.alertRules[0].command = ['sh', '-c', `touch ${legacyMarker}`]
    db.prepare('UPDATE monitors SET settings = ? WHERE monitor_id = ?').run(
      JSON.stringify(settings),
      monitor.monitor_id,
    )
    const first = db
      .prepare('SELECT alert_id, alert FROM monitor_alerts WHERE monitor_id = ? AND window_id = 1')
      .get(monitor.monitor_id) as { alert_id: string; alert: string }
    const { action: _dropped, ...old } = JSON.parse(first.alert)
    db.prepare('UPDATE monitor_alerts SET alert = ? WHERE alert_id = ?').run(
      JSON.stringify({ ...old, command: { argv: ['sh', '-c', 'exit 3'], exitCode: 3, outputTail: 'old output' } }),
      first.alert_id,
    )
    db.close()

    await start(strictConfig)
    await logRows(WINDOW)
    const next = await ok(call('POST', 'monitors/run', { monitor_id: monitor.monitor_id }))
    expect(next.alerts).toHaveLength(1)
    expect(next.alerts[0].action).toEqual({
      name: '(command)',
      exit_code: null,
      output_tail: '',
      error: expect.stringMatching(
        /^not run: this rule was stored with a command; commands are now defined by the operator .*keel server --config/,
      ),
    })
    expect(existsSync(legacyMarker)).toBe(false)
    const { alerts } = await ok(call('GET', 'monitors/alerts', { monitor_id: monitor.monitor_id }))
    const byWindow = new Map(alerts.map((a: any) => [a.window_id, a]))
    expect((byWindow.get(1) as any).action).toEqual({ name: '(command)', exit_code: 3, output_tail: 'old output' })
    expect((byWindow.get(3) as any).action.error).toMatch(/^not run/)
    // The rule as read names no program.
    const { monitor: read } = await ok(call('GET', 'monitors/get', { monitor_id: monitor.monitor_id }))
    expect(read.alert_rules).toEqual([{ rule_id: 'old', kind: 'drift_share', threshold: 0.3 }])
  })
})
