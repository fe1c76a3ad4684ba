/**
 * A child process for the exit tests: starts a run, logs metrics and a param, then, by argv[2]:
 * `exit` falls off the end, `signal` waits to be killed, `crash` throws, `reject` rejects a promise.
 */
import { createKeel } from '../../src/index.js'

const mode = process.argv[2] ?? 'exit'
const keel = createKeel({ lineage: false, flushIntervalMs: 60_000 })
const run = await keel.startRun({ runName: `exit-${mode}` })
for (let step = 0; step < 10; step++) run.logMetric('loss', 1 / (step + 1), { step })
run.logParam('mode', mode)

if (mode === 'signal') {
  setInterval(() => undefined, 1000)
  process.stdout.write(`ready ${run.runId}\n`)
} else if (mode === 'crash') {
  setTimeout(() => {
    throw new Error('boom')
  }, 10)
} else if (mode === 'reject') {
  void Promise.reject(new Error('rejected'))
}
