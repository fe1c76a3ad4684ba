/**
 * `keel models …` and `keel predict` as a user runs them, against a real server holding a real
 * model (a random forest logged and registered with the SDK).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { RandomForestClassifier, loadIris } from '@keel/ml'
import { createKeel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KEEL_BIN, startKeelServer, type KeelServer } from './support/keel-server.js'

const exec = promisify(execFile)
const iris = loadIris()
const forest = new RandomForestClassifier({ nEstimators: 10, maxDepth: 4, seed: 3 }).fit(iris.data, iris.target)
const dir = mkdtempSync(join(tmpdir(), 'keel-cli-models-'))
let server: KeelServer
let runId: string

const keel = async (args: readonly string[], user = 'alice') => {
  const { stdout } = await exec(process.execPath, [KEEL_BIN, ...args, '--tracking-uri', server.url], {
    env: { ...process.env, NO_COLOR: '1', KEEL_USER: user },
  })
  return stdout
}

/** Runs the CLI expecting it to fail; returns its exit code and stderr. */
const keelFails = async (args: readonly string[]) => {
  try {
    await keel(args)
  } catch (error) {
    const e = error as { code: number; stderr: string }
    return { code: e.code, stderr: e.stderr }
  }
  throw new Error(`keel ${args.join(' ')} succeeded`)
}

beforeAll(async () => {
  server = await startKeelServer()
  const sdk = createKeel({ trackingUri: server.url })
  await sdk.setExperiment('cli-models')
  for (let i = 0; i < 2; i++) {
    await sdk.withRun({}, async (run) => {
      runId = run.runId
      run.logParams({ n_estimators: 10 })
      run.logMetric('accuracy', 0.9 + i / 100)
      await run.logModel(forest, { featureNames: iris.featureNames })
    })
    await sdk.registerModel(`runs:/${runId}/model`, 'iris-cli')
  }
})
afterAll(async () => {
  await server?.close()
})

describe('keel models', () => {
  it('lists models and versions, as tables and as JSON', async () => {
    expect(await keel(['models', 'list'])).toMatch(/iris-cli\s+│ v2/)
    const models = JSON.parse(await keel(['models', 'list', '--json'])) as { name: string; latestVersions: unknown[] }[]
    expect(models.map((m) => m.name)).toEqual(['iris-cli'])
    const versions = JSON.parse(await keel(['models', 'versions', 'iris-cli', '--json'])) as {
      version: string
      runId: string
    }[]
    expect(versions.map((v) => v.version)).toEqual(['2', '1'])
    expect(versions[0]!.runId).toBe(runId)
    expect(await keel(['models', 'versions', 'iris-cli'])).toMatch(/v2.*\n.*v1/)
  })

  it('moves an alias and a stage with comments, and shows who did it in the history', async () => {
    expect(await keel(['models', 'alias', 'set', 'iris-cli', 'champion', '1', '-m', 'first pick'], 'alice')).toContain(
      'iris-cli@champion → v1',
    )
    expect(
      await keel(['models', 'alias', 'set', 'iris-cli', 'champion', '2', '-m', 'better accuracy'], 'bob'),
    ).toContain('→ v2')
    expect(
      await keel(['models', 'transition', 'iris-cli', '2', 'production', '-m', 'approved by carol'], 'carol'),
    ).toContain('v2 is now Production')

    const events = JSON.parse(await keel(['models', 'history', 'iris-cli', '--json'])) as Record<string, string>[]
    expect(events.slice(0, 3)).toMatchObject([
      {
        kind: 'stage_transition',
        actor: 'carol',
        version: '2',
        from: 'None',
        to: 'Production',
        comment: 'approved by carol',
      },
      { kind: 'alias_set', actor: 'bob', alias: 'champion', from: '1', to: '2', comment: 'better accuracy' },
      { kind: 'alias_set', actor: 'alice', alias: 'champion', to: '1', comment: 'first pick' },
    ])
    const table = await keel(['models', 'history', 'iris-cli', '-v', '2'])
    expect(table).toMatch(/carol.*stage.*None → Production.*approved by carol/)
    expect(table).not.toMatch(/first pick/) // version 1's events are filtered out

    await keel(['models', 'alias', 'delete', 'iris-cli', 'champion'])
    expect(
      (JSON.parse(await keel(['models', 'describe', 'iris-cli', '--json'])) as { model: { aliases: unknown[] } }).model
        .aliases,
    ).toEqual([])
  })

  it('describes a version with its lineage', async () => {
    const out = JSON.parse(await keel(['models', 'describe', 'iris-cli', '-v', '2', '--json'])) as {
      version: { runId: string }
      lineage: { runId: string; params: { key: string; value: string }[]; metrics: { key: string; value: number }[] }
    }
    expect(out.version.runId).toBe(runId)
    expect(out.lineage.params).toContainEqual({ key: 'n_estimators', value: '10' })
    expect(out.lineage.metrics.find((m) => m.key === 'accuracy')?.value).toBeCloseTo(0.91, 12)
    expect(await keel(['models', 'describe', 'iris-cli', '-v', '2'])).toMatch(
      /Metrics \(at registration\)[\s\S]*accuracy/,
    )
  })

  it('refuses a reserved alias and an unknown version with the error code and exit code 1', async () => {
    const reserved = await keelFails(['models', 'alias', 'set', 'iris-cli', 'latest', '1'])
    expect(reserved.code).toBe(1)
    expect(reserved.stderr).toMatch(/INVALID_PARAMETER_VALUE.*reserved/)
    const missing = await keelFails(['models', 'transition', 'iris-cli', '9', 'Staging'])
    expect(missing.stderr).toMatch(/RESOURCE_DOES_NOT_EXIST/)
  })
})

describe('keel predict', () => {
  const csv = join(dir, 'rows.csv')
  const rows = [iris.data[0]!, iris.data[60]!, iris.data[149]!]
  writeFileSync(csv, `${iris.featureNames.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`)

  it('predicts CSV rows with a registered model, as JSON and as a table with probabilities', async () => {
    const out = JSON.parse(await keel(['predict', '-m', 'models:/iris-cli/1', '--input', csv, '--json'])) as {
      predictions: number[]
    }
    expect(out.predictions).toEqual(forest.predict(rows))
    const withProba = JSON.parse(
      await keel(['predict', '-m', 'models:/iris-cli/latest', '-i', csv, '--proba', '--json']),
    ) as {
      probabilities: number[][]
      classes: number[]
    }
    expect(withProba.classes).toEqual([0, 1, 2])
    withProba.probabilities.forEach((p, i) => {
      p.forEach((v, c) => {
        expect(v).toBeCloseTo(forest.predictProba(rows)[i]![c]!, 12)
      })
    })
    expect(await keel(['predict', '-m', 'models:/iris-cli/1', '-i', csv, '--proba'])).toMatch(
      /P\(0\)[\s\S]*3 rows · keel flavor/,
    )
  })

  it("takes MLflow's dataframe_split payload", async () => {
    const file = join(dir, 'split.json')
    writeFileSync(file, JSON.stringify({ dataframe_split: { columns: iris.featureNames, data: rows } }))
    const out = JSON.parse(await keel(['predict', '-m', `runs:/${runId}/model`, '-i', file, '--json'])) as {
      predictions: number[]
    }
    expect(out.predictions).toEqual(forest.predict(rows))
  })

  it('names the missing column and exits 1', async () => {
    const file = join(dir, 'missing.json')
    writeFileSync(
      file,
      JSON.stringify([{ 'sepal length (cm)': 5.1, 'sepal width (cm)': 3.5, 'petal length (cm)': 1.4 }]),
    )
    const failed = await keelFails(['predict', '-m', 'models:/iris-cli/1', '-i', file])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/INVALID_PARAMETER_VALUE.*'petal width \(cm\)'/)
  })
})
