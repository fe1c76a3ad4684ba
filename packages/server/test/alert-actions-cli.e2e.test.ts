/**
 * `keel monitor create --rule` (the built CLI, a process) names the operator's action, and a rule
 * carrying a `command` is refused before it is sent. The CLI is the point, so it runs as a process;
 * the server it talks to is in-process with a real socket (port 0) for it. The server's own refusal
 * of commands and running of actions are in alert-actions.test.ts.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelReply, keelCall, ok } from './support/keel-api.js'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { KEEL_BIN } from './support/keel-server.js'

const exec = promisify(execFile)
const scratch = mkdtempSync(join(tmpdir(), 'keel-monitor-actions-cli-'))
// The operator's actions; the CLI's refusal lists them. None runs here.
const config = join(scratch, 'keel.yaml')
writeFileSync(config, 'actions:\n  retrain:\n    command: ["true"]\n  notify:\n    command: ["true"]\n')

let server: InProcessKeel
const call = (method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<KeelReply> =>
  keelCall(server, method, path, body)

const T0 = 1_764_000_000_000
const DEPLOYMENT = 'churn'
const REFERENCE = 200
const WINDOW = 100

beforeAll(async () => {
  server = await startKeelApp({ listen: true, args: ['--monitor-interval', '0', '--config', config] })
  // The reference a monitor is created with must hold rows.
  const records = Array.from({ length: REFERENCE }, (_, i) => ({
    request_id: `r${i}`,
    deployment: DEPLOYMENT,
    model_name: 'churn',
    model_version: '1',
    model_uri: 'models:/churn/1',
    variant: 'champion',
    protocol: 'v2',
    timestamp_ms: T0 + i * 1000,
    latency_ms: 1,
    inputs: [{ x: (i % 17) / 17, y: (i % 5) / 5 }],
    outputs: [i % 2],
    status_code: 200,
  }))
  await ok(call('POST', 'predictions/log-batch', { records }))
})

afterAll(async () => {
  await server?.close()
  rmSync(scratch, { recursive: true, force: true })
})

describe("alert rules name the operator's actions", () => {
  it('the CLI: `keel monitor create --rule` names an action; a rule with a command is refused before it is sent', async () => {
    const cli = async (...args: string[]) => {
      try {
        const { stdout, stderr } = await exec(
          process.execPath,
          [KEEL_BIN, 'monitor', 'create', ...args, '--tracking-uri', server.url],
          { env: { ...process.env, NO_COLOR: '1' } },
        )
        return { code: 0, stdout, stderr }
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string }
        return { code: e.code, stdout: e.stdout, stderr: e.stderr }
      }
    }
    const base = [
      '-d',
      DEPLOYMENT,
      '--reference-log',
      `${T0},${T0 + REFERENCE * 1000}`,
      '--window-count',
      String(WINDOW),
    ]
    const refused = await cli(
      'by-cli',
      ...base,
      '--rule',
      JSON.stringify({ kind: 'drift_share', threshold: 0.3, command: ['id'] }),
    )
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(
      /--rule: 'command' is not accepted: commands are now defined by the operator .*keel server --config <file>, actions\.<name>\.command.*"action"/,
    )
    const unknown = await cli(
      'by-cli',
      ...base,
      '--rule',
      JSON.stringify({ kind: 'drift_share', threshold: 0.3, action: 'deploy' }),
    )
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/alert_rules\[0\]\.action.*no action 'deploy'.*defined: notify, retrain/)
    const created = await cli(
      'by-cli',
      ...base,
      '--json',
      '--rule',
      JSON.stringify({ rule_id: 'r', kind: 'drift_share', threshold: 0.3, action: 'notify' }),
    )
    expect(created.code, created.stderr).toBe(0)
    const { monitor } = JSON.parse(created.stdout)
    expect(monitor.alert_rules).toEqual([{ rule_id: 'r', kind: 'drift_share', threshold: 0.3, action: 'notify' }])
    await ok(call('POST', 'monitors/delete', { monitor_id: monitor.monitor_id }))
  })
})
