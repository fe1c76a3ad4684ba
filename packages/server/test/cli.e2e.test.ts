/**
 * The CLI as a user runs it (the built CLI): `keel experiments …` and `keel runs …` against a
 * server in the test's process, on a socket for the CLI to reach.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { api, KEEL_BIN } from './support/keel-server.js'

const exec = promisify(execFile)
let server: InProcessKeel
let runId: string

const keel = async (...args: string[]) => {
  const { stdout } = await exec(process.execPath, [KEEL_BIN, ...args, '--tracking-uri', server.url], {
    env: { ...process.env, NO_COLOR: '1' },
  })
  return stdout
}

beforeAll(async () => {
  server = await startKeelApp({ listen: true })
  await keel('experiments', 'create', 'cli-demo')
  const exp = await api(server.url, 'GET', '/experiments/get-by-name', { experiment_name: 'cli-demo' })
  for (const [depth, acc] of [
    [3, 0.91],
    [5, 0.95],
  ] as const) {
    const run = await api(server.url, 'POST', '/runs/create', {
      experiment_id: exp.json.experiment.experiment_id,
      run_name: `depth-${depth}`,
    })
    runId = run.json.run.info.run_id
    await api(server.url, 'POST', '/runs/log-batch', {
      run_id: runId,
      params: [{ key: 'max_depth', value: String(depth) }],
      metrics: [{ key: 'accuracy', value: acc, timestamp: 1, step: 0 }],
    })
  }
})
afterAll(async () => {
  await server?.close()
})

describe('keel CLI', () => {
  it("is what the README's `npx keel` runs from the repository root", async () => {
    const root = new URL('../../../', import.meta.url)
    // --no: never fetch a package named keel from the registry; the workspace's bin must be linked.
    const { stdout } = await exec('npm', ['exec', '--no', '--', 'keel', '--version'], { cwd: root })
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string
    }
    expect(stdout.trim()).toBe(version)
  })

  it('lists experiments as a table and as JSON', async () => {
    const table = await keel('experiments', 'list')
    expect(table).toMatch(/ID.*Name.*Stage/)
    expect(table).toMatch(/cli-demo/)
    const json = JSON.parse(await keel('experiments', 'list', '--json')) as { name: string }[]
    expect(json.map((e) => e.name)).toEqual(expect.arrayContaining(['Default', 'cli-demo']))
  })

  it('lists runs with a filter and an order, showing metric columns', async () => {
    const table = await keel('runs', 'list', '--experiment-name', 'cli-demo', '--order-by', 'metrics.accuracy DESC')
    const lines = table.split('\n')
    expect(lines.findIndex((l) => l.includes('depth-5'))).toBeLessThan(lines.findIndex((l) => l.includes('depth-3')))
    expect(table).toContain('metrics.accuracy')
    const json = JSON.parse(
      await keel('runs', 'list', '--experiment-name', 'cli-demo', '--filter', "params.max_depth = '3'", '--json'),
    ) as { info: { runName: string } }[]
    expect(json.map((r) => r.info.runName)).toEqual(['depth-3'])
  })

  it('describes a run', async () => {
    const out = await keel('runs', 'describe', runId)
    expect(out).toContain('depth-5')
    expect(out).toMatch(/max_depth\s*│\s*5/)
    expect(out).toMatch(/accuracy\s*│\s*0\.95/)
  })

  it('reports a bad filter with its error code and a non-zero exit', async () => {
    await expect(keel('runs', 'list', '--filter', 'metrics.accuracy >> 1')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('INVALID_PARAMETER_VALUE'),
    })
  })

  it('deletes and restores an experiment', async () => {
    const id = JSON.parse(await keel('experiments', 'create', 'cli-temp', '--json')).experiment_id as string
    await keel('experiments', 'delete', id)
    expect(await keel('experiments', 'list', '--view', 'DELETED_ONLY')).toContain('cli-temp')
    await keel('experiments', 'restore', id)
    expect(await keel('experiments', 'list')).toContain('cli-temp')
  })
})
