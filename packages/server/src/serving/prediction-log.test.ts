import { KeelError, type PredictionRecord } from '@keel/contracts'
import { describe, expect, it } from 'vitest'
import { PredictionLog, type QueuedRecord, inputRows } from './prediction-log.js'
import { ServingMetrics } from './serving-metrics.js'

const record = (i: number): QueuedRecord => ({
  requestId: `r${i}`,
  deployment: 'd',
  modelName: 'm',
  modelUri: 'models:/m/1',
  variant: 'v',
  shadow: false,
  timestampMs: i,
  latencyMs: 1,
  protocol: 'mlflow',
  input: [[i, i + 1]],
  columns: ['a', 'b'],
  outputs: [i],
  statusCode: 200,
})

const spec = { enabled: true, queueSize: 50, batchSize: 16, flushMs: 60_000 }
const counter = async (metrics: ServingMetrics, name: string) =>
  (await metrics.registry.getSingleMetric(name)!.get()).values.reduce((s, v) => s + v.value, 0)

describe('the prediction log writer', () => {
  it('turns inputs into rows keyed by column, whatever their form', () => {
    expect(inputRows([[1, 2]], ['a', 'b'])).toEqual([{ a: 1, b: 2 }])
    expect(inputRows([{ a: 1 }], ['a'])).toEqual([{ a: 1 }])
    expect(inputRows({ a: [1, 2], b: [3, 4] }, ['a', 'b'])).toEqual([
      { a: 1, b: 3 },
      { a: 2, b: 4 },
    ])
  })

  it('drops and counts what overflows the queue instead of blocking', async () => {
    const written: PredictionRecord[] = []
    const droppedReported: number[] = []
    const metrics = new ServingMetrics('d')
    const log = new PredictionLog(
      {
        logBatch: async (r, d = 0) => {
          written.push(...r)
          droppedReported.push(d)
        },
      },
      { ...spec, queueSize: 10, batchSize: 100 },
      metrics,
      () => {},
    )
    const accepted = Array.from({ length: 15 }, (_, i) => log.push(record(i)))
    expect(accepted.filter(Boolean)).toHaveLength(10)
    await log.close()
    expect(written.map((r) => r.requestId)).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`))
    expect(written[0]!.inputs).toEqual([{ a: 0, b: 1 }])
    expect(droppedReported).toEqual([5])
    expect(await counter(metrics, 'keel_prediction_log_dropped_total')).toBe(5)
  })

  it('isolates a record the store refuses and writes all the others', async () => {
    const written: string[] = []
    let calls = 0
    const sink = {
      logBatch: async (records: readonly PredictionRecord[]) => {
        calls++
        if (records.some((r) => r.requestId === 'r21'))
          throw KeelError.invalid("Invalid value for parameter 'records[3].inputs': larger than 256 KiB")
        written.push(...records.map((r) => r.requestId))
      },
    }
    const errors: unknown[] = []
    const metrics = new ServingMetrics('d')
    const log = new PredictionLog(sink, spec, metrics, (e) => errors.push(e))
    for (let i = 0; i < 40; i++) log.push(record(i))
    await log.close()
    expect(written.sort()).toEqual(
      Array.from({ length: 40 }, (_, i) => `r${i}`)
        .filter((r) => r !== 'r21')
        .sort(),
    )
    expect(errors).toHaveLength(1)
    expect(calls).toBeLessThan(20) // by halves, not one call per record
    expect(await counter(metrics, 'keel_prediction_log_dropped_total')).toBe(1)
  })

  it('writes full batches as they fill and leaves a partial one for the timer or flush()', async () => {
    const batches: string[][] = []
    let release: () => void = () => {}
    const sink = {
      logBatch: async (records: readonly PredictionRecord[]) => {
        batches.push(records.map((r) => r.requestId))
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve))
      },
    }
    const log = new PredictionLog(sink, { ...spec, batchSize: 4 }, new ServingMetrics('d'), () => {})
    // Once the event loop has turned, every write the log started has run its course.
    const settled = () => new Promise((resolve) => setImmediate(resolve))
    for (let i = 0; i < 7; i++) log.push(record(i)) // a batch of 4 starts writing; 3 queue behind it
    release()
    await settled()
    expect(batches).toEqual([['r0', 'r1', 'r2', 'r3']]) // the 3 left are a partial batch: they wait
    expect(log.pending).toBe(3)
    log.push(record(7)) // now a full batch
    await settled()
    expect(batches[1]).toEqual(['r4', 'r5', 'r6', 'r7'])
    for (let i = 8; i < 11; i++) log.push(record(i))
    await log.flush()
    expect(batches[2]).toEqual(['r8', 'r9', 'r10'])
    expect(log.pending).toBe(0)
    await log.close()
    expect(batches).toHaveLength(3)
  })

  it('a flush writes what was queued when it was asked, not what keeps arriving meanwhile', async () => {
    let calls = 0
    const sizes: number[] = []
    const log: PredictionLog = new PredictionLog(
      {
        logBatch: async (records: readonly PredictionRecord[]) => {
          sizes.push(records.length)
          // A busy server: an answer is queued while the first call is in flight.
          if (++calls === 1) log.push(record(100))
        },
      },
      { ...spec, batchSize: 4 },
      new ServingMetrics('d'),
      () => {},
    )
    log.push(record(0))
    log.push(record(1))
    await log.flush()
    expect(sizes).toEqual([2]) // one call; the record queued meanwhile waits for a full batch or the next flush
    expect(log.pending).toBe(1)
    await log.close()
    expect(sizes).toEqual([2, 1])
    expect(log.pending).toBe(0)
  })

  it('keeps the queue when the store is unreachable, and writes it later', async () => {
    let up = false
    const written: string[] = []
    const sink = {
      logBatch: async (records: readonly PredictionRecord[]) => {
        if (!up) throw new KeelError('TEMPORARILY_UNAVAILABLE', 'connection refused')
        written.push(...records.map((r) => r.requestId))
      },
    }
    const metrics = new ServingMetrics('d')
    const log = new PredictionLog(sink, spec, metrics, () => {})
    for (let i = 0; i < 5; i++) log.push(record(i))
    await log.flush()
    expect(written).toEqual([])
    expect(log.pending).toBe(5)
    expect(await counter(metrics, 'keel_prediction_log_write_failures_total')).toBe(1)
    up = true
    await log.close()
    expect(written).toEqual(['r0', 'r1', 'r2', 'r3', 'r4'])
  })
})
