/**
 * The operator's configuration (`keel server --config`): YAML and JSON read into named actions and
 * the webhook allow list, an action run by the runner (argv, env, KEEL_ALERT-style extra env, the
 * timeout), and every bad file refused with a message naming the file, the key and the problem,
 * by the loader (in this process) and by the real `keel server` (the built CLI: its message on
 * stderr and exit code are the point), which then does not start.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { loadOperatorConfig, parseOperatorConfig } from '../src/config/operator-config.js'
import { KEEL_BIN } from './support/keel-server.js'

const exec = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'keel-operator-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const YAML = `
actions:
  retrain:
    command: ["npx", "tsx", "examples/iris/train.ts"]   # argv, no shell
    timeout_seconds: 600
    env: { KEEL_TRACKING_URI: "http://127.0.0.1:5000", RETRIES: 3 }
  notify:
    command: [notify-send, keel]
webhooks:
  allow: ["10.1.2.0/24", "hooks.internal", "fd00::/8", "127.0.0.1"]
`

describe('the operator configuration', () => {
  it('reads YAML: actions by name (argv, timeout, env as strings) and the allow list', () => {
    const config = parseOperatorConfig(YAML, 'keel.yaml')
    expect(config.actions.names()).toEqual(['notify', 'retrain'])
    expect(config.actions.get('retrain')).toEqual({
      name: 'retrain',
      command: ['npx', 'tsx', 'examples/iris/train.ts'],
      timeoutMs: 600_000,
      env: { KEEL_TRACKING_URI: 'http://127.0.0.1:5000', RETRIES: '3' },
    })
    expect(config.actions.get('notify')).toMatchObject({ timeoutMs: 600_000, env: {} })
    expect(config.webhooks.refusal('10.1.2.9')).toBeUndefined()
    expect(config.webhooks.refusal('10.1.3.9')).toMatch(/private/)
    expect(config.webhooks.refusal('fd12::1')).toBeUndefined()
    expect(config.webhooks.refusal('127.0.0.1')).toBeUndefined()
    expect(config.webhooks.refusal('127.0.0.2')).toMatch(/loopback/)
    expect(config.webhooks.hostAllowed('HOOKS.internal.')).toBe(true)
    expect(config.webhooks.hostAllowed('other.internal')).toBe(false)
  })

  it('reads JSON the same way; an empty file or empty sections define nothing', async () => {
    const file = join(dir, 'keel.json')
    writeFileSync(file, JSON.stringify({ actions: { a: { command: ['true'], timeout_seconds: 1.5 } } }))
    const config = await loadOperatorConfig(file)
    expect(config.file).toBe(file)
    expect(config.actions.get('a')).toEqual({ name: 'a', command: ['true'], timeoutMs: 1500, env: {} })
    for (const text of ['', 'actions:\nwebhooks:\n', 'webhooks:\n  allow:\n']) {
      const empty = parseOperatorConfig(text, 'x.yaml')
      expect(empty.actions.names()).toEqual([])
      expect(empty.webhooks.refusal('127.0.0.1')).toMatch(/loopback/)
    }
  })

  it('refuses a bad file naming the file, the key and the problem', async () => {
    const cases: [string, RegExp][] = [
      [
        'actions:\n  retrain:\n    command: "npx tsx train.ts"\n',
        /bad\.yaml: actions\.retrain\.command: expected a list of strings.*without a shell/,
      ],
      ['actions:\n  retrain:\n    command: []\n', /actions\.retrain\.command: expected at least the program/],
      [
        'actions:\n  retrain:\n    command: ["", "x"]\n',
        /actions\.retrain\.command: the program \(first item\) is empty/,
      ],
      [
        'actions:\n  retrain:\n    command: [npx]\n    timeout_seconds: ten\n',
        /actions\.retrain\.timeout_seconds: expected a number of seconds/,
      ],
      [
        'actions:\n  retrain:\n    command: [npx]\n    timeout_seconds: 0\n',
        /actions\.retrain\.timeout_seconds: expected a number of seconds above 0/,
      ],
      [
        'actions:\n  retrain:\n    command: [npx]\n    shell: true\n',
        /actions\.retrain\.shell: unknown key \(expected command, timeout_seconds, env\)/,
      ],
      [
        'actions:\n  retrain:\n    command: [npx]\n    env: { "1BAD": x }\n',
        /actions\.retrain\.env\.1BAD: not an environment variable name/,
      ],
      ['actions:\n  "re train":\n    command: [npx]\n', /actions\.re train: not an action name/],
      ['actions:\n  retrain: npx train.ts\n', /actions\.retrain: expected a mapping with command/],
      ['actions: [retrain]\n', /actions: expected a mapping of action names to actions/],
      ['webhooks:\n  allow: ["10.0.0.0/33"]\n', /webhooks\.allow\.0: not a CIDR/],
      ['webhooks:\n  allow: ["http://hooks.internal/"]\n', /webhooks\.allow\.0: not a CIDR/],
      ['webhooks:\n  allow: "10.0.0.0/8"\n', /webhooks\.allow: expected a list/],
      ['webhook:\n  allow: []\n', /webhook: unknown key \(expected actions, webhooks\)/],
      ['- just\n- a list\n', /\(the whole file\): expected a mapping with actions and\/or webhooks/],
      ['actions:\n  retrain: {command: [npx]\n', /bad\.yaml: not valid YAML or JSON: /],
      ['actions:\n  a:\n    command: [x]\n  a:\n    command: [y]\n', /not valid YAML or JSON: .*[Uu]nique/],
    ]
    for (const [text, pattern] of cases) {
      expect(() => parseOperatorConfig(text, 'bad.yaml'), text).toThrow(pattern)
      expect(() => parseOperatorConfig(text, 'bad.yaml'), text).toThrow(/^invalid --config bad\.yaml: /)
    }
    await expect(loadOperatorConfig(join(dir, 'missing.yaml'))).rejects.toThrow(
      /missing\.yaml: cannot be read \(ENOENT\)/,
    )
  })

  it("an action runs its argv without a shell, with its env and the caller's, and is killed at its timeout", async () => {
    const config = parseOperatorConfig(
      JSON.stringify({
        actions: {
          echo: {
            command: [
              process.execPath,
              '-e',
              'console.log(process.env.A, process.env.KEEL_ALERT, process.argv[1]); process.exit(4)',
              '$HOME;x',
            ],
            env: { A: 'from-config' },
          },
          slow: { command: [process.execPath, '-e', 'setTimeout(() => {}, 60000)'], timeout_seconds: 0.3 },
          missing: { command: [join(dir, 'no-such-program')] },
        },
      }),
      'run.json',
    )
    const echo = await config.actions.run('echo', { KEEL_ALERT: '{"x":1}' })
    expect(echo).toMatchObject({ exitCode: 4, outputTail: 'from-config {"x":1} $HOME;x\n' })
    expect(echo?.error).toBeUndefined()
    const slow = await config.actions.run('slow')
    expect(slow).toMatchObject({ exitCode: null, error: 'killed by SIGKILL (timeout 0.3 s)' })
    expect(await config.actions.run('missing')).toMatchObject({ exitCode: null, error: 'could not start: ENOENT' })
    expect(config.actions.run('nope')).toBeUndefined()
  })
})

describe('keel server --config', () => {
  async function serverWith(config: string): Promise<{ code: number; stderr: string }> {
    try {
      await exec(
        process.execPath,
        [
          KEEL_BIN,
          'server',
          '--port',
          '0',
          '--backend-store-uri',
          `sqlite:///${join(dir, 'never.db')}`,
          '--config',
          config,
        ],
        {
          env: { ...process.env, NO_COLOR: '1' },
          timeout: 20_000,
        },
      )
      return { code: 0, stderr: '' }
    } catch (error) {
      const e = error as { code: number; stderr: string }
      return { code: e.code, stderr: e.stderr }
    }
  }

  it('refuses to start with an invalid file, saying which key is wrong', async () => {
    const file = join(dir, 'server-bad.yaml')
    writeFileSync(file, 'actions:\n  retrain:\n    command: npx tsx train.ts\n')
    const bad = await serverWith(file)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain(`invalid --config ${file}: actions.retrain.command: expected a list of strings`)
    const missing = await serverWith(join(dir, 'nope.yaml'))
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/nope\.yaml: cannot be read \(ENOENT\)/)
  })
})
