/**
 * Seeds a real keel server through its REST API for the run and compare pages' end-to-end tests:
 * runs with params, tags, metric histories, dataset inputs, artifacts (text, JSON, MLmodel, CSV,
 * PNG, a file over 1 MB) and a logged model registered as a model version.
 */
import { deflateSync } from 'node:zlib'
import { api } from '../../server/test/support/keel-server.js'

export interface SeededRun {
  readonly runId: string
  readonly experimentId: string
  readonly artifactUri: string
}

async function ok(res: Promise<{ status: number; json: any }>): Promise<any> {
  const r = await res
  if (r.status !== 200) throw new Error(`seed request failed: ${r.status} ${JSON.stringify(r.json)}`)
  return r.json
}

export async function createExperiment(base: string, name: string): Promise<string> {
  return (await ok(api(base, 'POST', '/experiments/create', { name }))).experiment_id
}

export async function createRun(
  base: string,
  experimentId: string,
  name: string,
  options: { params?: Record<string, string>; tags?: Record<string, string>; startTime?: number } = {},
): Promise<SeededRun> {
  const run = (
    await ok(
      api(base, 'POST', '/runs/create', {
        experiment_id: experimentId,
        run_name: name,
        user_id: 'ada',
        start_time: options.startTime ?? Date.now() - 3_600_000,
        tags: Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value })),
      }),
    )
  ).run
  const runId = run.info.run_id as string
  const params = Object.entries(options.params ?? {}).map(([key, value]) => ({ key, value }))
  if (params.length > 0) await ok(api(base, 'POST', '/runs/log-batch', { run_id: runId, params }))
  return { runId, experimentId, artifactUri: run.info.artifact_uri as string }
}

/** Logs `steps` points of each curve (value of step) in batches of 1000. */
export async function logCurves(
  base: string,
  runId: string,
  curves: Record<string, (step: number) => number>,
  steps: number,
  options: { from?: number; t0?: number } = {},
): Promise<void> {
  const from = options.from ?? 0
  const t0 = options.t0 ?? Date.now() - 3_600_000
  let batch: object[] = []
  const flush = async () => {
    if (batch.length > 0) await ok(api(base, 'POST', '/runs/log-batch', { run_id: runId, metrics: batch }))
    batch = []
  }
  for (let step = from; step < from + steps; step++) {
    for (const [key, f] of Object.entries(curves)) {
      batch.push({ key, value: f(step), timestamp: t0 + step * 1000, step })
      if (batch.length === 1000) await flush()
    }
  }
  await flush()
}

export async function finish(base: string, runId: string, status = 'FINISHED'): Promise<void> {
  await ok(api(base, 'POST', '/runs/update', { run_id: runId, status, end_time: Date.now() - 60_000 }))
}

export async function putArtifact(
  base: string,
  artifactUri: string,
  path: string,
  body: string | Uint8Array,
): Promise<void> {
  const root = artifactUri.replace(/^mlflow-artifacts:\/*/, '')
  const res = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${root}/${path}`, {
    method: 'PUT',
    body: body as BodyInit,
  })
  if (!res.ok) throw new Error(`upload of ${path} failed: ${res.status} ${await res.text()}`)
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** A small valid RGB PNG: a diagonal gradient, `w`×`h`. */
export function makePng(w = 96, h = 64): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const out = Buffer.alloc(12 + data.length)
    out.writeUInt32BE(data.length, 0)
    out.write(type, 4, 'ascii')
    Buffer.from(data).copy(out, 8)
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
    return out
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  const raw = Buffer.alloc(h * (1 + w * 3))
  for (let y = 0; y < h; y++) {
    const row = y * (1 + w * 3)
    for (let x = 0; x < w; x++) {
      raw[row + 1 + x * 3] = Math.round((x / w) * 255)
      raw[row + 2 + x * 3] = Math.round((y / h) * 255)
      raw[row + 3 + x * 3] = 160
    }
  }
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  ])
}

export const MLMODEL = `artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.9
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.1
mlflow_version: 2.16.0
model_size_bytes: 1234
model_uuid: 5b1c2f0e7a9d4c41b6a3c1f9d0e8a7b2
utc_time_created: '2024-09-01 10:00:00.000000'
`

/** The fully dressed run of the run page's tests: everything the page can show. */
export async function seedFullRun(base: string, experimentId: string): Promise<SeededRun & { modelId: string }> {
  const run = await createRun(base, experimentId, 'resnet-lr-0.1', {
    params: { lr: '0.1', optimizer: 'adam', depth: '50', batch_size: '128', epochs: '30' },
    tags: {
      team: 'vision',
      purpose: 'baseline',
      'mlflow.source.git.commit': '3f9c2a7d81b64e0c9a5d2f1e7b8c6a4d3e2f1a0b',
      'mlflow.source.git.branch': 'main',
      'mlflow.source.git.repoURL': 'git@github.com:acme/vision.git',
      'keel.source.git.dirty': 'true',
      'mlflow.source.name': 'train.py',
      'mlflow.source.type': 'LOCAL',
    },
  })
  await logCurves(
    base,
    run.runId,
    {
      loss: (s) => 2.5 * Math.exp(-s / 600) + 0.05 + 0.04 * Math.sin(s / 7),
      accuracy: (s) => 0.95 - 0.85 * Math.exp(-s / 500) + 0.01 * Math.cos(s / 5),
    },
    3000,
  )
  await logCurves(base, run.runId, { val_loss: (s) => 2.2 * Math.exp(-s / 8) + 0.12 }, 30, {})
  await ok(
    api(base, 'POST', '/runs/log-inputs', {
      run_id: run.runId,
      datasets: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: {
            name: 'imagenet-mini',
            digest: 'a1b2c3d4',
            source_type: 's3',
            source: '{"uri": "s3://acme-data/imagenet-mini/train"}',
          },
        },
        {
          tags: [{ key: 'mlflow.data.context', value: 'eval' }],
          dataset: {
            name: 'imagenet-mini-val',
            digest: 'e5f6a7b8',
            source_type: 'local',
            source: '{"uri": "/data/val"}',
          },
        },
      ],
    }),
  )
  const uri = run.artifactUri
  await putArtifact(base, uri, 'notes.txt', 'Baseline run.\nTrained on imagenet-mini with Adam.\n')
  await putArtifact(
    base,
    uri,
    'metrics.json',
    JSON.stringify({ accuracy: 0.94, loss: 0.07, per_class: { cat: 0.95, dog: 0.93 } }),
  )
  await putArtifact(base, uri, 'model/MLmodel', MLMODEL)
  await putArtifact(
    base,
    uri,
    'model/conda.yaml',
    'name: env\ndependencies:\n  - python=3.11\n  - pip:\n    - scikit-learn==1.5.1\n',
  )
  await putArtifact(base, uri, 'model/model.pkl', new Uint8Array([0x80, 0x04, 0x95, 0, 1, 2, 3, 0, 0, 0xff]))
  const csv = [
    'id,label,score,comment',
    ...Array.from(
      { length: 800 },
      (_, i) => `${i},${i % 2 ? 'dog' : 'cat'},${(i / 800).toFixed(4)},"row ${i}, quoted"`,
    ),
  ].join('\n')
  await putArtifact(base, uri, 'eval/predictions.csv', csv)
  await putArtifact(base, uri, 'plots/gradient.png', makePng())
  await putArtifact(base, uri, 'logs/big.log', 'log line with some padding to make it long enough\n'.repeat(26_000))

  const model = (
    await ok(
      api(base, 'POST', '/logged-models', {
        experiment_id: experimentId,
        name: 'resnet50',
        model_type: 'sklearn',
        source_run_id: run.runId,
      }),
    )
  ).model
  const modelId = model.info.model_id as string
  await ok(api(base, 'PATCH', `/logged-models/${modelId}`, { model_id: modelId, status: 'LOGGED_MODEL_READY' }))
  await ok(api(base, 'POST', '/runs/outputs', { run_id: run.runId, models: [{ model_id: modelId, step: 2999 }] }))
  await ok(api(base, 'POST', '/registered-models/create', { name: 'vision-classifier' }))
  await ok(
    api(base, 'POST', '/model-versions/create', {
      name: 'vision-classifier',
      source: `models:/${modelId}`,
      run_id: run.runId,
      model_id: modelId,
    }),
  )
  await finish(base, run.runId)
  return { ...run, modelId }
}
