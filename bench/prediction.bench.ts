/**
 * Prediction benchmark: the iris random forest (100 trees, max depth 5) in keel's native flavor and
 * its ONNX twin (the same hyper-parameters in scikit-learn, exported with skl2onnx and saved with
 * mlflow.onnx), loaded with @keel/sdk's loader and predicting in-process, against the anchors in
 * the same run: scikit-learn's predict, MLflow's pyfunc (what `mlflow models serve` calls) and
 * onnxruntime in Python. Single-row latency (p50, p99) and 10,000-row batch throughput (median).
 *
 *   npm run bench                                        (every benchmark)
 *   KEEL_BENCH_ONLY=prediction npm run bench              (this one)
 *   node_modules/.bin/tsx bench/prediction.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { type LoadedModel, loadModelDir, saveModel } from '@keel/sdk'
import { benchLog, writeResults } from './lib/harness.js'
import { irisData, trainIrisForest } from './lib/iris.js'
import { runPythonJson } from './lib/python.js'
import { percentile, median } from './lib/stats.js'
import { fmt, fmtRatio, renderTable, type Cell } from './lib/table.js'

const SINGLE_CALLS = Number(process.env.KEEL_BENCH_SINGLE_CALLS ?? 2000)
const BATCH_ROWS = 10_000
const BATCH_REPEATS = 15

interface Single {
  readonly p50_ms: number
  readonly p99_ms: number
  readonly n: number
}
interface Batch {
  readonly median_ms: number
  readonly rows_per_s: number
  readonly n: number
}
interface Measured {
  readonly single: Single
  readonly batch: Batch
}
interface Anchor {
  readonly versions: Record<string, string>
  readonly onnx_dir: string
  readonly sklearn: Measured
  readonly pyfunc: Measured
  readonly ort_python: Measured
  readonly sklearn_predictions: number[]
}

const log = benchLog('prediction')

function runAnchor(dir: string): Anchor {
  return runPythonJson<Anchor>('predict_anchor.py', [
    dir,
    String(Math.min(SINGLE_CALLS, 1000)),
    String(BATCH_ROWS),
    String(BATCH_REPEATS),
  ])
}

async function measure(
  model: LoadedModel,
  one: Record<string, number>,
  batch: Record<string, number>[],
): Promise<Measured> {
  for (let i = 0; i < Math.max(50, SINGLE_CALLS / 10); i++) await model.predict([one])
  const singles: number[] = []
  for (let i = 0; i < SINGLE_CALLS; i++) {
    const t = performance.now()
    await model.predict([one])
    singles.push(performance.now() - t)
  }
  await model.predict(batch)
  const batches: number[] = []
  for (let i = 0; i < BATCH_REPEATS; i++) {
    const t = performance.now()
    await model.predict(batch)
    batches.push(performance.now() - t)
  }
  const m = median(batches)
  return {
    single: { p50_ms: percentile(singles, 50), p99_ms: percentile(singles, 99), n: SINGLE_CALLS },
    batch: { median_ms: m, rows_per_s: BATCH_ROWS / (m / 1000), n: BATCH_REPEATS },
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'keel-bench-predict-'))
  try {
    log(
      'Python anchor: training scikit-learn, exporting ONNX, timing sklearn / MLflow pyfunc / onnxruntime (about a minute)',
    )
    const anchor = runAnchor(work)

    const iris = irisData()
    const rows = iris.rows
    const batch = Array.from({ length: BATCH_ROWS }, (_, i) => rows[i % rows.length]!)
    const one = rows[0]!

    log('keel native: training RandomForestClassifier(100 trees, max depth 5) and saving it in MLflow layout')
    const forest = trainIrisForest(iris)
    const nativeDir = join(work, 'keel')
    await saveModel(forest, nativeDir, { featureNames: iris.featureNames })
    const native = await loadModelDir(nativeDir)
    const onnx = await loadModelDir(anchor.onnx_dir)

    // Correctness first: the ONNX twin must predict what scikit-learn predicts.
    const onnxPredictions = (await onnx.predict(rows)).map(Number)
    const mismatches = onnxPredictions.filter((p, i) => p !== anchor.sklearn_predictions[i]).length
    if (mismatches > 0) throw new Error(`the ONNX twin disagrees with scikit-learn on ${mismatches} of 150 rows`)
    const nativeAccuracy = (await native.predict(rows)).filter((p, i) => p === iris.target[i]).length / rows.length

    log(`keel native: ${SINGLE_CALLS} single-row calls, ${BATCH_REPEATS} x ${BATCH_ROWS} rows`)
    const keelNative = await measure(native, one, batch)
    log(`keel ONNX: ${SINGLE_CALLS} single-row calls, ${BATCH_REPEATS} x ${BATCH_ROWS} rows`)
    const keelOnnx = await measure(onnx, one, batch)
    await native.close()
    await onnx.close()

    const cols = { keelNative, keelOnnx, sklearn: anchor.sklearn, pyfunc: anchor.pyfunc, ortPython: anchor.ort_python }
    const row = (label: string, pick: (m: Measured) => number, digits: number, better: 'low' | 'high'): Cell[] => {
      const v = Object.values(cols).map(pick)
      const bestKeel = better === 'low' ? Math.min(v[0]!, v[1]!) : Math.max(v[0]!, v[1]!)
      const ratio = better === 'low' ? pick(anchor.pyfunc) / bestKeel : bestKeel / pick(anchor.pyfunc)
      return [label, ...v.map((x) => fmt(x, digits)), fmtRatio(ratio)]
    }
    const table = renderTable(
      ['measure', 'keel native', 'keel ONNX', 'sklearn', 'MLflow pyfunc', 'ORT (Python)', 'best keel vs pyfunc'],
      [
        row('single row p50 (ms)', (m) => m.single.p50_ms, 3, 'low'),
        row('single row p99 (ms)', (m) => m.single.p99_ms, 3, 'low'),
        row(`${BATCH_ROWS.toLocaleString('en-US')} rows, median (ms)`, (m) => m.batch.median_ms, 1, 'low'),
        row(`${BATCH_ROWS.toLocaleString('en-US')} rows, rows/s`, (m) => m.batch.rows_per_s, 0, 'high'),
      ],
    )
    const title = `Prediction benchmark: iris random forest, 100 trees, max depth 5 (keel ${'native accuracy on iris'} ${fmt(nativeAccuracy, 3)}; ONNX = sklearn on all 150 rows)`
    process.stdout.write(`\n${title}\n${table}\n`)
    process.stdout.write(
      `keel: Node ${process.version}, onnxruntime-node; anchor: Python ${anchor.versions.python}, scikit-learn ${anchor.versions['scikit-learn']}, MLflow ${anchor.versions.mlflow}, onnxruntime ${anchor.versions.onnxruntime}\n` +
        `machine: ${cpus().length} cpus, load ${loadavg()
          .map((x) => x.toFixed(2))
          .join(
            ' ',
          )}. In-process timings, rows as objects keyed by feature name for keel, a DataFrame for pyfunc, numpy for sklearn and ORT.\n`,
    )
    const file = writeResults('prediction', {
      date: new Date().toISOString(),
      ...cols,
      versions: anchor.versions,
      nativeAccuracy,
    })
    log(`results: ${file}`)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

await main()
