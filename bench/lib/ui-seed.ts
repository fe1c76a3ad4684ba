/**
 * Seeds an experiment for the UI benchmark through the public API, as clients would: per run
 * runs/create, one log-batch (params, metrics, a tag) and runs/update to FINISHED.
 */
import { createRng } from '@keel/ml'
import type { Client } from './http.js'
import { Progress } from './table.js'

const API = '/api/2.0/mlflow'
export const UI_METRICS = Array.from(
  { length: 10 },
  (_, i) =>
    ['accuracy', 'loss', 'f1', 'precision', 'recall', 'auc', 'val_loss', 'val_accuracy', 'lr_final', 'epoch_time'][i]!,
)
export const UI_PARAMS = ['lr', 'optimizer', 'batch_size', 'depth', 'dropout']

export async function seedUiExperiment(
  c: Client,
  name: string,
  runs: number,
  inFlight: number,
): Promise<{ experimentId: string; seconds: number }> {
  const exp = await c.post<{ experiment_id: string }>(`${API}/experiments/create`, { name })
  const experimentId = exp.body.experiment_id
  const r = createRng(7)
  const progress = new Progress(`seeding ${runs.toLocaleString('en-US')} runs (${name})`, runs)
  const started = performance.now()
  const base = Date.now() - runs * 1000
  let next = 0
  const worker = async () => {
    while (next < runs) {
      const i = next++
      const start = base + i * 1000
      const created = await c.post<{ run: { info: { run_id: string } } }>(`${API}/runs/create`, {
        experiment_id: experimentId,
        run_name: `run-${i}`,
        start_time: start,
      })
      const runId = created.body.run.info.run_id
      await c.post(`${API}/runs/log-batch`, {
        run_id: runId,
        params: [
          { key: 'lr', value: String([0.1, 0.03, 0.01, 0.003, 0.001][i % 5]) },
          { key: 'optimizer', value: ['adam', 'sgd', 'rmsprop'][i % 3] },
          { key: 'batch_size', value: String(32 << (i % 4)) },
          { key: 'depth', value: String(2 + (i % 7)) },
          { key: 'dropout', value: (Math.floor(r() * 50) / 100).toFixed(2) },
        ],
        metrics: UI_METRICS.map((key) => ({ key, value: Math.round(r() * 1e6) / 1e6, timestamp: start, step: 0 })),
        tags: [{ key: 'team', value: ['vision', 'nlp', 'tabular'][i % 3] }],
      })
      await c.post(`${API}/runs/update`, {
        run_id: runId,
        status: 'FINISHED',
        end_time: start + 1000 + Math.floor(r() * 600_000),
      })
      progress.tick()
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, runs) }, worker))
  progress.finish()
  return { experimentId, seconds: (performance.now() - started) / 1000 }
}
