/**
 * The model server's Prometheus metrics: requests, errors and a latency histogram per model,
 * version and variant (and protocol), shed requests, version switches, the prediction log's
 * written and dropped records, and the process's CPU and memory (prom-client's defaults). Each
 * worker keeps its own registry; `GET /metrics` answers the sum over workers (see cluster.ts).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface RequestLabels {
  readonly model: string
  readonly version: string
  readonly variant: string
  readonly protocol: 'v2' | 'mlflow'
}

/** Seconds: from 0.25 ms to 2.5 s, dense where a fast model's answers fall. */
const LATENCY_BUCKETS = [0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

export class ServingMetrics {
  readonly registry = new Registry()
  private readonly requests: Counter<string>
  private readonly latency: Histogram<string>
  private readonly shadowRequests: Counter<string>
  private readonly shed: Counter<string>
  private readonly switches: Counter<string>
  readonly logWritten: Counter<string>
  readonly logDropped: Counter<string>
  readonly logFailures: Counter<string>
  readonly inflight: Gauge<string>
  /** python_function models: their Python workers that exited, timed out, stopped answering or were recycled. */
  readonly pythonWorkerEvents: Counter<string>
  private readonly children = new Map<string, { ok: Counter.Internal; latency: Histogram.Internal<string> }>()

  constructor(readonly deployment: string) {
    const registry = this.registry
    registry.setDefaultLabels({ deployment })
    collectDefaultMetrics({ register: registry })
    const labelNames = ['model', 'version', 'variant', 'protocol']
    this.requests = new Counter({
      name: 'keel_serving_requests_total',
      help: 'Inference requests answered, by HTTP status code',
      labelNames: [...labelNames, 'code'],
      registers: [registry],
    })
    this.latency = new Histogram({
      name: 'keel_serving_request_duration_seconds',
      help: 'Inference latency, from the request reaching the handler to its answer',
      labelNames,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    })
    this.shadowRequests = new Counter({
      name: 'keel_serving_shadow_requests_total',
      help: 'Copies of requests run by shadow variants, by outcome',
      labelNames: [...labelNames, 'outcome'],
      registers: [registry],
    })
    this.pythonWorkerEvents = new Counter({
      name: 'keel_serving_python_worker_events_total',
      help: 'Python workers of python_function models replaced, by reason (exited, timeout, unresponsive, recycled, restart-failed)',
      labelNames: ['reason'],
      registers: [registry],
    })
    this.shed = new Counter({
      name: 'keel_serving_shed_total',
      help: 'Requests refused with 503 to protect latency, by reason',
      labelNames: ['reason'],
      registers: [registry],
    })
    this.switches = new Counter({
      name: 'keel_serving_version_switches_total',
      help: 'Switches of a variant to another registered version',
      labelNames: ['variant', 'from', 'to'],
      registers: [registry],
    })
    this.logWritten = new Counter({
      name: 'keel_prediction_log_written_total',
      help: 'Prediction records written to the store',
      registers: [registry],
    })
    this.logDropped = new Counter({
      name: 'keel_prediction_log_dropped_total',
      help: 'Prediction records dropped because the queue was full',
      registers: [registry],
    })
    this.logFailures = new Counter({
      name: 'keel_prediction_log_write_failures_total',
      help: 'Failed attempts to write a batch of prediction records',
      registers: [registry],
    })
    this.inflight = new Gauge({
      name: 'keel_serving_inflight_requests',
      help: 'Requests in progress',
      registers: [registry],
    })
  }

  private child(l: RequestLabels): { ok: Counter.Internal; latency: Histogram.Internal<string> } {
    const key = `${l.model}\u0000${l.version}\u0000${l.variant}\u0000${l.protocol}`
    let c = this.children.get(key)
    if (c === undefined) {
      const labels = { model: l.model, version: l.version, variant: l.variant, protocol: l.protocol }
      c = { ok: this.requests.labels({ ...labels, code: '200' }), latency: this.latency.labels(labels) }
      this.children.set(key, c)
    }
    return c
  }

  /** An answered inference request. */
  observe(labels: RequestLabels, status: number, seconds: number): void {
    const c = this.child(labels)
    if (status === 200) c.ok.inc()
    else
      this.requests.inc({
        model: labels.model,
        version: labels.version,
        variant: labels.variant,
        protocol: labels.protocol,
        code: String(status),
      })
    c.latency.observe(seconds)
  }

  /** A request that failed before a variant was chosen (bad body, unknown model). */
  rejected(protocol: 'v2' | 'mlflow', status: number): void {
    this.requests.inc({ model: '', version: '', variant: '', protocol, code: String(status) })
  }

  shadow(labels: RequestLabels, outcome: 'ok' | 'error' | 'skipped'): void {
    this.shadowRequests.inc({
      model: labels.model,
      version: labels.version,
      variant: labels.variant,
      protocol: labels.protocol,
      outcome,
    })
  }

  shedRequest(reason: 'concurrency' | 'draining'): void {
    this.shed.inc({ reason })
  }

  switched(variant: string, from: string | undefined, to: string): void {
    this.switches.inc({ variant, from: from ?? '', to })
  }
}
