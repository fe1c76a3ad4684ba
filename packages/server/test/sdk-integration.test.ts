/**
 * @keel/sdk against keel server, in-process (the SDK sends through the app's request function): the
 * TypeScript training workflow end to end.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKeel, type Keel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'

let server: InProcessKeel
let keel: Keel
beforeAll(async () => {
  server = await startKeelApp()
  keel = createKeel({ trackingUri: server.url, fetch: server.fetch })
})
afterAll(async () => {
  await server?.close()
})

describe('@keel/sdk against keel server', () => {
  it('tracks a training run: params, 2,500 buffered metrics, artifacts, lineage', async () => {
    const experiment = await keel.setExperiment('sdk-iris')
    const work = mkdtempSync(join(tmpdir(), 'keel-sdk-'))
    mkdirSync(join(work, 'plots', 'nested'), { recursive: true })
    writeFileSync(join(work, 'plots', 'a.txt'), 'alpha')
    writeFileSync(join(work, 'plots', 'nested', 'b.txt'), 'beta')

    let runId = ''
    await keel.withRun({ runName: 'rf-100', tags: { team: 'ml' } }, async (run) => {
      runId = run.runId
      run.logParams({ n_estimators: 100, max_depth: 5 })
      for (let step = 0; step < 2500; step++) run.logMetric('loss', 1 / (step + 1), { step })
      run.logMetrics({ accuracy: 0.95, f1: 0.94 })
      await run.logDict({ classes: ['setosa', 'versicolor', 'virginica'] }, 'labels.json')
      await run.logArtifacts(join(work, 'plots'), 'plots')
    })

    const run = await keel.client.getRun(runId)
    expect(run.info).toMatchObject({ runName: 'rf-100', status: 'FINISHED', experimentId: experiment.experimentId })
    expect(run.info.endTime).toBeGreaterThanOrEqual(run.info.startTime)
    expect(run.data.params).toEqual([
      { key: 'max_depth', value: '5' },
      { key: 'n_estimators', value: '100' },
    ])
    expect(run.data.metrics.find((m) => m.key === 'accuracy')?.value).toBe(0.95)
    const history = await keel.client.getMetricHistory(runId, 'loss')
    expect(history).toHaveLength(2500)
    expect(history.map((m) => m.step)).toEqual(Array.from({ length: 2500 }, (_, i) => i))

    const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]))
    expect(tags.team).toBe('ml')
    expect(tags['mlflow.user']).toBeTruthy()
    expect(tags['mlflow.source.type']).toBe('LOCAL')
    expect(tags['keel.runtime.node']).toBe(process.version)

    const files = await keel.client.listArtifacts(runId)
    expect(files.map((f) => f.path).sort()).toEqual(['labels.json', 'plots'])
    const out = mkdtempSync(join(tmpdir(), 'keel-dl-'))
    await (await keel.artifacts(runId)).downloadArtifacts('plots', out)
    expect(readFileSync(join(out, 'plots', 'nested', 'b.txt'), 'utf8')).toBe('beta')
  })

  it('ends a run FAILED when the training code throws', async () => {
    await keel.setExperiment('sdk-failures')
    let runId = ''
    await expect(
      keel.withRun({ runName: 'boom' }, async (run) => {
        runId = run.runId
        run.logMetric('loss', 1)
        throw new Error('diverged')
      }),
    ).rejects.toThrow('diverged')
    const run = await keel.client.getRun(runId)
    expect(run.info.status).toBe('FAILED')
    expect(run.data.metrics.map((m) => m.key)).toEqual(['loss'])
  })

  it('finds the best run with the search API and nests child runs', async () => {
    await keel.setExperiment('sdk-search')
    for (const acc of [0.8, 0.93, 0.9]) {
      await keel.withRun({ runName: `acc-${acc}` }, async (parent) => {
        parent.logMetric('accuracy', acc)
        const child = await keel.startRun({ parentRun: parent, runName: `fold-${acc}` })
        child.logMetric('fold_accuracy', acc)
        await child.end()
      })
    }
    const experiment = await keel.client.getExperimentByName('sdk-search')
    const best = await keel.client.searchRuns({
      experimentIds: [experiment!.experimentId],
      filter: 'tags.mlflow.parentRunId IS NULL',
      orderBy: ['metrics.accuracy DESC'],
      maxResults: 1,
    })
    expect(best.items.map((r) => r.info.runName)).toEqual(['acc-0.93'])
    const children = await keel.client.searchRuns({
      experimentIds: [experiment!.experimentId],
      filter: `tags.mlflow.parentRunId = '${best.items[0]!.info.runId}'`,
    })
    expect(children.items.map((r) => r.info.runName)).toEqual(['fold-0.93'])
  })
})
