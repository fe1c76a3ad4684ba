import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type FakeMlflow, startFakeMlflow } from './support/fake-mlflow.js'

const SCRIPT = fileURLToPath(new URL('./support/exit-script.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

let fake: FakeMlflow

beforeAll(async () => {
  fake = await startFakeMlflow()
})
afterAll(() => fake.close())
afterEach(() => fake.reset())

interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stderr: string
}

function runScript(mode: string, onStdout?: (text: string, child: ChildProcess) => void): Promise<Exit> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, mode], {
    cwd: ROOT,
    env: { ...process.env, MLFLOW_TRACKING_URI: fake.url, KEEL_TRACKING_URI: '', MLFLOW_TRACKING_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdout?.on('data', (chunk: Buffer) => onStdout?.(chunk.toString(), child))
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })))
}

/** The single run the child created, as the fake server saw it. */
function childRun() {
  expect(fake.runs.size).toBe(1)
  const [run] = [...fake.runs.values()]
  fake.runs.clear()
  return run!
}

describe('process exit', () => {
  it('flushes on beforeExit when the script just ends, and ends the run FINISHED', async () => {
    const exit = await runScript('exit')
    expect(exit).toMatchObject({ code: 0, signal: null })
    const run = childRun()
    expect(run.data.metrics).toHaveLength(10)
    expect(run.data.params).toEqual([{ key: 'mode', value: 'exit' }])
    expect(run.info.status).toBe('FINISHED')
  })

  it('on SIGTERM flushes, marks the run KILLED and dies by the signal', async () => {
    const exit = await runScript('signal', (text, child) => {
      if (text.includes('ready')) child.kill('SIGTERM')
    })
    expect(exit.signal).toBe('SIGTERM')
    const run = childRun()
    expect(run.data.metrics).toHaveLength(10)
    expect(run.info.status).toBe('KILLED')
  })

  it('on an uncaught exception flushes, marks the run FAILED and exits 1 with the error', async () => {
    const exit = await runScript('crash')
    expect(exit.code).toBe(1)
    expect(exit.stderr).toContain('boom')
    const run = childRun()
    expect(run.data.metrics).toHaveLength(10)
    expect(run.info.status).toBe('FAILED')
  })

  it('treats an unhandled rejection as a crash', async () => {
    const exit = await runScript('reject')
    expect(exit.code).toBe(1)
    expect(exit.stderr).toContain('rejected')
    expect(childRun().info.status).toBe('FAILED')
  })
})
