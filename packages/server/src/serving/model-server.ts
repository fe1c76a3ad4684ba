/**
 * The model server's HTTP edge, on Node's own `http` module (a handful of routes on the hot path;
 * no framework between the socket and the model):
 *
 * - MLflow scoring: `GET /ping`, `GET /health`, `GET /version`, `POST /invocations`;
 * - Open Inference Protocol v2: `GET /v2`, `GET /v2/health/live|ready`,
 *   `GET /v2/models/{name}[/versions/{v}][/ready]`, `POST /v2/models/{name}[/versions/{v}]/infer`;
 * - `GET /metrics` (Prometheus) and `GET /keel/deployment` (what is served, as JSON).
 *
 * Every answer of an inference carries `X-Request-Id`, `X-Keel-Variant` and
 * `X-Keel-Model-Version`. Bodies over the limit are refused from their Content-Length (413) before
 * they are read; requests beyond the concurrency limit are shed with 503 and `Retry-After`.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { FlavorName, ModelInput } from '@keel/sdk'
import { DEFAULT_GRACEFUL_TIMEOUT_MS, type GracefulCloser, gracefulCloser } from '../http-common/graceful-close.js'
import { isPlainRequestId } from '../http-common/request-id.js'
import type { NodeGuard } from '../web-security/node-guard.js'
import type { ServingAuth } from './auth/serving-auth.js'
import type { Deployment, RequestContext } from './deployment.js'
import { missingValueFailure, parseScoringRequest, scoringResponse } from './protocol/mlflow-scoring.js'
import { inferResponse, inputMetadata, outputMetadata, parseInferRequest } from './protocol/open-inference.js'
import { ProtocolError, notFound, overloaded, statusOfServingError } from './protocol/protocol-error.js'
import { CLIENT_CLOSED, ClientGone, errorBody, pathSegment, readBody, send } from './node-io.js'
import { uuidv7 } from './request-id.js'
import type { Prediction, Variant } from './variant.js'

/** The v2 metadata's `platform` of each flavor (ONNX as KServe names it; MLflow's pyfunc as KServe's MLflow runtime does). */
const PLATFORMS: Readonly<Record<FlavorName, string>> = {
  keel: 'keel_native',
  onnx: 'onnx_onnxv1',
  python_function: 'mlflow',
}

/** What a protocol makes of a request body: the rows, who answers, and how to encode the answer. */
interface Planned {
  readonly input: ModelInput
  readonly rows: number
  readonly variant: Variant
  readonly wantProba: boolean
  /** MLflow's inference params, besides keel's own `predict_method`. */
  readonly params?: Readonly<Record<string, unknown>>
  /** The id in `X-Request-Id` and the prediction log: always short and plain. */
  readonly requestId: string
  answer(result: Prediction & { readonly version?: string }): string
}

export interface ModelServerOptions {
  readonly deployment: Deployment
  readonly version: string
  /** The Prometheus text of the metrics (summed over workers in a cluster). */
  readonly metricsText: () => Promise<string>
  /** Log the probabilities of classifiers for monitoring (costs a second pass of the model). */
  readonly logProbabilities: boolean
  readonly onError: (error: unknown, path: string) => void
  /** The browser guard (Host check, CORS, cross-origin writes), run before every route. */
  readonly guard?: NodeGuard
  /** `--require-auth`: callers checked against the tracking server (`auth/`), after the guard. */
  readonly auth?: ServingAuth
}

export class ModelServer {
  readonly server: Server
  private readonly closer: GracefulCloser
  private draining = false

  constructor(private readonly options: ModelServerOptions) {
    this.server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 60_000 })
    // Its 'request' listener goes first: while closing, it marks each answer `Connection: close`.
    this.closer = gracefulCloser(this.server)
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error: unknown) => {
        options.onError(error, req.url ?? '')
        if (!res.headersSent) send(res, 500, JSON.stringify({ error: 'Internal server error' }))
      })
    })
  }

  /** Answers 503 to new inference requests (shutting down). */
  drain(): void {
    this.draining = true
  }

  private get deployment(): Deployment {
    return this.options.deployment
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.options.guard !== undefined && !this.options.guard(req, res)) return
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    const method = req.method ?? 'GET'
    if (this.options.auth !== undefined) {
      const outcome = await this.options.auth.authorize(method, path, req.headers.authorization)
      if (!outcome.ok) return this.refuse(req, res, path, outcome.refusal)
    }
    if (method === 'POST') {
      if (path === '/invocations') return this.invocations(req, res)
      if (path.startsWith('/v2/models/') && path.endsWith('/infer')) return this.infer(req, res, path)
      return this.notFoundOrMethod(res, path, method)
    }
    if (method !== 'GET' && method !== 'HEAD') return this.notFoundOrMethod(res, path, method)
    const ready = this.deployment.ready
    switch (path) {
      case '/ping':
      case '/health':
        return ready ? send(res, 200, '\n', {}, 'text/plain') : send(res, 404, '\n', {}, 'text/plain')
      case '/version':
        return send(res, 200, this.options.version, {}, 'text/plain')
      case '/metrics':
        return this.metrics(res)
      case '/v2':
        return send(res, 200, JSON.stringify({ name: 'keel', version: this.options.version, extensions: [] }))
      case '/v2/health/live':
        return send(res, 200, '{"live":true}')
      case '/v2/health/ready':
        return send(res, ready ? 200 : 503, JSON.stringify({ ready }))
      case '/keel/deployment':
        return send(res, 200, JSON.stringify(this.status()))
    }
    if (path.startsWith('/v2/models/')) return this.modelMetadata(res, path)
    return this.notFoundOrMethod(res, path, method)
  }

  /** A request without the credentials it needs (401, 403, 503), in its protocol's error form, its body left unread. */
  private refuse(req: IncomingMessage, res: ServerResponse, path: string, refusal: ProtocolError): void {
    const protocol = path === '/v2' || path.startsWith('/v2/') ? 'v2' : 'mlflow'
    if (req.method === 'POST') this.deployment.metrics.rejected(protocol, refusal.status)
    req.resume()
    const headers: Record<string, string> =
      refusal.status === 401
        ? { 'www-authenticate': 'Basic realm="keel"' }
        : refusal.status === 503
          ? { 'retry-after': '5' }
          : {}
    send(res, refusal.status, errorBody(refusal, protocol, refusal.status), headers)
  }

  private async metrics(res: ServerResponse): Promise<void> {
    let text: string
    try {
      text = await this.options.metricsText()
    } catch (error) {
      return send(
        res,
        503,
        JSON.stringify({ error: `Metrics unavailable: ${error instanceof Error ? error.message : String(error)}` }),
        { 'retry-after': '1' },
      )
    }
    send(res, 200, text, {}, 'text/plain; version=0.0.4; charset=utf-8')
  }

  private notFoundOrMethod(res: ServerResponse, path: string, method: string): void {
    const known = [
      '/invocations',
      '/ping',
      '/health',
      '/version',
      '/metrics',
      '/v2',
      '/v2/health/live',
      '/v2/health/ready',
      '/keel/deployment',
    ]
    if (known.includes(path) || path.startsWith('/v2/models/')) {
      send(res, 405, JSON.stringify({ error: `Method ${method} is not allowed on ${path}` }))
    } else {
      send(res, 404, JSON.stringify({ error: `No endpoint ${method} ${path}` }))
    }
  }

  /** `/v2/models/{name}[/versions/{v}][/suffix]` → the variant it names, or a 404. */
  private resolveModel(path: string, suffix: '' | '/ready' | '/infer'): { variant?: Variant; version?: string } {
    const rest = path.slice('/v2/models/'.length, path.length - suffix.length)
    const [rawName = '', versionsWord, rawVersion, ...more] = rest.split('/')
    const name = pathSegment(rawName)
    if (
      name !== this.deployment.name ||
      more.length > 0 ||
      (versionsWord !== undefined && (versionsWord !== 'versions' || !rawVersion))
    ) {
      throw notFound(`Model '${name}' is not served here; this server serves '${this.deployment.name}'`)
    }
    if (rawVersion === undefined) return {}
    const version = pathSegment(rawVersion)
    const variant = this.deployment.byVersion(version)
    if (variant === undefined) {
      const served = this.deployment.variants.map((v) => `${v.version ?? '?'} (${v.name})`).join(', ')
      throw notFound(`Model '${name}' version '${version}' is not served here; served versions: ${served}`)
    }
    return { variant, version }
  }

  private modelMetadata(res: ServerResponse, path: string): void {
    try {
      if (path.endsWith('/infer')) {
        this.notFoundOrMethod(res, path, 'GET')
        return
      }
      const ready = path.endsWith('/ready')
      const { variant } = this.resolveModel(path, ready ? '/ready' : '')
      if (ready) {
        const ok = this.deployment.ready
        send(res, ok ? 200 : 503, JSON.stringify({ name: this.deployment.name, ready: ok }))
        return
      }
      if (!this.deployment.ready) throw overloaded(`Model '${this.deployment.name}' is loading`)
      const v = variant ?? this.deployment.live[0]!
      const versions = [
        ...new Set(this.deployment.variants.map((x) => x.version).filter((x): x is string => x !== undefined)),
      ]
      send(
        res,
        200,
        JSON.stringify({
          name: this.deployment.name,
          versions,
          platform: PLATFORMS[v.model.flavor],
          inputs: inputMetadata(v.model.inputSchema),
          outputs: outputMetadata(v.shape),
        }),
      )
    } catch (error) {
      send(res, statusOfServingError(error), errorBody(error, 'v2', statusOfServingError(error)))
    }
  }

  /** Admits an inference request, or sheds it; returns false when it answered. */
  private admit(res: ServerResponse, protocol: 'v2' | 'mlflow'): boolean {
    const d = this.deployment
    const refusal = this.draining
      ? 'The server is shutting down'
      : !d.ready
        ? 'The model is loading'
        : d.inflight >= d.spec.maxConcurrency
          ? 'The server is at its concurrency limit; retry shortly'
          : undefined
    if (refusal === undefined) return true
    d.metrics.shedRequest(this.draining || !d.ready ? 'draining' : 'concurrency')
    d.metrics.rejected(protocol, 503)
    send(res, 503, errorBody(overloaded(refusal), protocol, 503), { 'retry-after': '1' })
    return false
  }

  /** The caller's `X-Request-Id` when it is short and plain, else one made up here. */
  private requestId(req: IncomingMessage): string {
    const header = req.headers['x-request-id']
    return isPlainRequestId(header) ? header : uuidv7()
  }

  /** Admits, reads and answers one inference request; `plan` is the protocol's part (parse, route, encode). */
  private async inference(
    req: IncomingMessage,
    res: ServerResponse,
    protocol: 'v2' | 'mlflow',
    plan: (body: string) => Planned,
  ): Promise<void> {
    if (!this.admit(res, protocol)) {
      req.resume()
      return
    }
    const d = this.deployment
    d.inflight++
    const started = performance.now()
    let planned: Planned | undefined
    try {
      planned = plan(await readBody(req, d.spec.maxBodyBytes))
      const ctx: RequestContext = {
        requestId: planned.requestId,
        protocol,
        started,
        proba: planned.wantProba || this.options.logProbabilities,
        ...(planned.params !== undefined && { params: planned.params }),
      }
      const result = await d.run(planned.variant, planned.input, planned.rows, ctx)
      send(res, 200, planned.answer(result), this.variantHeaders(ctx.requestId, planned.variant, result.version))
    } catch (error) {
      const ctx: RequestContext = {
        requestId: planned?.requestId ?? this.requestId(req),
        protocol,
        started,
        proba: false,
      }
      const failure = planned !== undefined && protocol === 'mlflow' ? missingValueFailure(error, planned.input) : error
      this.failed(res, protocol, failure, planned?.variant, planned?.input, ctx)
    } finally {
      d.inflight--
    }
  }

  private invocations(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.inference(req, res, 'mlflow', (body) => {
      const d = this.deployment
      const parsed = parseScoringRequest(body, req.headers['content-type'])
      const method = parsed.params?.predict_method
      if (method !== undefined && method !== 'predict' && method !== 'predict_proba') {
        throw new ProtocolError(
          400,
          'BAD_REQUEST',
          `params.predict_method must be 'predict' or 'predict_proba', got ${JSON.stringify(method)}`,
        )
      }
      const variant = d.choose(d.stickyKey(parsed.input, this.stickyHeader(req)))
      const wantProba = method === 'predict_proba'
      if (wantProba && variant.model.predictProba === undefined) {
        throw new ProtocolError(400, 'BAD_REQUEST', `The model of variant '${variant.name}' has no predict_proba`)
      }
      const { predict_method: _, ...params } = parsed.params ?? {}
      return {
        input: parsed.input,
        rows: parsed.rows,
        variant,
        wantProba,
        ...(Object.keys(params).length > 0 && { params }),
        requestId: this.requestId(req),
        answer: (result) => scoringResponse(wantProba ? result.probabilities! : result.predictions),
      }
    })
  }

  private infer(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    return this.inference(req, res, 'v2', (body) => {
      const d = this.deployment
      const pinned = this.resolveModel(path, '/infer').variant
      // Parsed against the pinned variant, else the first live one (variants of a deployment share inputs).
      const parsed = parseInferRequest(body, (pinned ?? d.live[0]!).shape)
      const variant = pinned ?? d.choose(d.stickyKey(parsed.input, this.stickyHeader(req)))
      // The body echoes the caller's id as given (the protocol says so); headers and the log take
      // it only when it is short and plain, else the request gets an id of its own.
      const requestId = isPlainRequestId(parsed.id) ? parsed.id : this.requestId(req)
      return {
        input: parsed.input,
        rows: parsed.rows,
        variant,
        wantProba: parsed.outputs?.includes('predict_proba') === true,
        requestId,
        answer: (result) =>
          inferResponse(variant.shape, d.name, result.version, parsed.id ?? requestId, result, parsed.outputs),
      }
    })
  }

  private stickyHeader(req: IncomingMessage): string | undefined {
    const name = this.deployment.spec.stickyHeader
    if (name === undefined) return undefined
    const value = req.headers[name]
    return Array.isArray(value) ? value[0] : value
  }

  private variantHeaders(requestId: string, variant: Variant, version = variant.version): Record<string, string> {
    return { 'x-request-id': requestId, 'x-keel-variant': variant.name, 'x-keel-model-version': version ?? '' }
  }

  private failed(
    res: ServerResponse,
    protocol: 'v2' | 'mlflow',
    error: unknown,
    variant: Variant | undefined,
    input: ModelInput | undefined,
    ctx: RequestContext,
  ): void {
    if (error instanceof ClientGone) {
      // Nobody to answer, and nothing went wrong here: counted apart from errors, not logged.
      this.deployment.metrics.rejected(protocol, CLIENT_CLOSED)
      return
    }
    const status = statusOfServingError(error)
    if (status >= 500) this.options.onError(error, protocol)
    if (variant !== undefined) this.deployment.fail(variant, input, ctx, status, error)
    else this.deployment.metrics.rejected(protocol, status)
    const headers: Record<string, string> = { 'x-request-id': ctx.requestId }
    if (variant !== undefined)
      Object.assign(headers, { 'x-keel-variant': variant.name, 'x-keel-model-version': variant.version ?? '' })
    if (status === 413) headers.connection = 'close'
    if (!res.headersSent) send(res, status, errorBody(error, protocol, status), headers)
  }

  /** What is served: variants, their versions and weights, the routing. */
  status(): Record<string, unknown> {
    const d = this.deployment
    return {
      name: d.name,
      ready: d.ready,
      routing:
        d.spec.stickyHeader !== undefined
          ? { sticky_header: d.spec.stickyHeader }
          : d.spec.stickyField !== undefined
            ? { sticky_field: d.spec.stickyField }
            : { random: true },
      variants: d.variants.map((v) => ({
        name: v.name,
        model_uri: v.spec.modelUri,
        model_name: v.modelName ?? null,
        version: v.version ?? null,
        weight: v.spec.weight,
        shadow: v.spec.shadow,
        follows: v.follows,
        flavor: d.ready ? v.model.flavor : null,
      })),
      ...(d.spec.batching !== undefined && {
        batching: { max_batch_size: d.spec.batching.maxBatchSize, max_wait_ms: d.spec.batching.maxWaitMs },
      }),
    }
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        const address = this.server.address()
        resolve(typeof address === 'object' && address !== null ? address.port : port)
      })
    })
  }

  /**
   * Stops accepting connections and lets the requests in progress finish, for at most `graceMs`
   * (`http/graceful-close.ts`, as the tracking server does); meanwhile new inference requests on
   * open connections get 503.
   */
  close(graceMs = DEFAULT_GRACEFUL_TIMEOUT_MS): Promise<void> {
    this.drain()
    return this.closer.close(graceMs)
  }
}
