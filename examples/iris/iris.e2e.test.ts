/**
 * The TypeScript version of the seed exercise, run as a user runs it: train.ts three times with
 * different hyper-parameters, register.ts, predict.ts, each a separate process (tsx) against a real
 * keel server. Checks what each prints against what the server recorded.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelServer, api, startKeelServer } from '../../packages/server/test/support/keel-server.js'

const run = promisify(execFile)
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url))
const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url))
const CONFIGS = [
  ['50', '3'],
  ['100', '5'],
  ['200', '10'],
] as const

describe('examples/iris: train.ts, register.ts, predict.ts', () => {
  let server: KeelServer
  const exec = (file: string, args: readonly string[] = []) =>
    run(TSX, [script(file), ...args], {
      env: { ...process.env, MLFLOW_TRACKING_URI: server.url, KEEL_TRACKING_URI: server.url },
      timeout: 120_000,
    })

  beforeAll(async () => {
    server = await startKeelServer()
  })
  afterAll(async () => {
    await server?.close()
  })

  it('trains three runs, registers the most accurate one, and predicts setosa from the registry', {
    timeout: 240_000,
  }, async () => {
    for (const [n, depth] of CONFIGS) {
      const { stdout } = await exec('train.ts', ['--n-estimators', n, '--max-depth', depth])
      expect(stdout).toMatch(/^Accuracy: \d\.\d{4}, F1: \d\.\d{4}$/m)
    }

    const experiment = (
      await api(server.url, 'GET', '/experiments/get-by-name', { experiment_name: 'iris-classifier' })
    ).json.experiment
    const runs = (await api(server.url, 'POST', '/runs/search', { experiment_ids: [experiment.experiment_id] })).json
      .runs as any[]
    expect(runs).toHaveLength(3)
    const metric = (r: any, key: string) => r.data.metrics.find((m: any) => m.key === key)?.value as number
    const params = (r: any) => Object.fromEntries(r.data.params.map((p: any) => [p.key, p.value]))
    expect(runs.map((r) => [params(r).n_estimators, params(r).max_depth]).sort()).toEqual(
      CONFIGS.map((c) => [...c]).sort(),
    )
    for (const r of runs) {
      expect(r.info.status).toBe('FINISHED')
      expect(params(r).random_state).toBe('42')
      expect(metric(r, 'accuracy')).toBeGreaterThanOrEqual(0.9)
      expect(metric(r, 'f1_score')).toBeGreaterThanOrEqual(0.9)
      expect(r.outputs.model_outputs).toHaveLength(1) // the logged model
      expect(r.inputs.dataset_inputs[0].dataset.name).toBe('iris')
    }
    // The expected winner, computed: highest accuracy, ties to the newest run (MLflow's default order).
    const best = [...runs].sort(
      (a, b) => metric(b, 'accuracy') - metric(a, 'accuracy') || b.info.start_time - a.info.start_time,
    )[0]

    const registered = await exec('register.ts')
    expect(registered.stdout).toContain(`Best run: ${best.info.run_id}`)
    expect(registered.stdout).toContain(`Accuracy: ${metric(best, 'accuracy').toFixed(4)}`)
    expect(registered.stdout).toMatch(/Model registered as 'iris-classifier' \(version 1\)/)

    const version = (await api(server.url, 'GET', '/model-versions/get', { name: 'iris-classifier', version: '1' }))
      .json.model_version
    expect(version).toMatchObject({
      status: 'READY',
      run_id: best.info.run_id,
      source: `runs:/${best.info.run_id}/model`,
    })
    expect(version.model_id).toBe(best.outputs.model_outputs[0].model_id)

    const predicted = await exec('predict.ts')
    expect(predicted.stdout.trim()).toBe('Prediction: 0 (0=setosa, 1=versicolor, 2=virginica)')
  })
})
