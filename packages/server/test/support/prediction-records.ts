/**
 * Prediction-log records in the wire shape of `/api/2.0/keel/predictions/log-batch`, one per second
 * from `t0`, for the tests that feed a deployment's log (monitors, jobs, replicas, copies).
 */
export interface RecordShape {
  /** Epoch milliseconds of record 0; record i is i seconds later. */
  readonly t0: number
  readonly deployment?: string
  /** The i-th record's input row (default: x cycling 0..9). */
  readonly inputs?: (i: number) => Record<string, unknown>
  readonly outputs?: (i: number) => unknown[]
}

export function predictionRecord(i: number, shape: RecordShape) {
  return {
    request_id: `r${i}`,
    deployment: shape.deployment ?? 'd1',
    model_name: 'm',
    model_version: '1',
    model_uri: 'models:/m/1',
    variant: 'champion',
    protocol: 'v2',
    timestamp_ms: shape.t0 + i * 1000,
    latency_ms: 1,
    inputs: [shape.inputs ? shape.inputs(i) : { x: i % 10 }],
    outputs: shape.outputs ? shape.outputs(i) : [0],
    status_code: 200,
  }
}

/** Inputs that drift from record 100 on (x moves from 0..9 to 50..59). */
export const driftingAt100 = (i: number) => ({ x: i < 100 ? i % 10 : 50 + (i % 10) })
