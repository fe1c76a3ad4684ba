/**
 * The model server's composition root (as `start-keel-server.ts` is keel server's): builds the SDK
 * connection, the model source, metrics, the prediction log, the deployment and the HTTP edge,
 * and runs them in one process or in a cluster of workers.
 */
import cluster from 'node:cluster'
import type { PredictionRecord } from '@keel/contracts'
import { createKeel, type Keel, type PythonModelOptions, resolveModelUri } from '@keel/sdk'
import { DEFAULT_GRACEFUL_TIMEOUT_MS } from '../http-common/graceful-close.js'
import { type LogFormat, type Logger, createLogger } from '../http/logger.js'
import { ServingAuth, registeredModelsOf } from '../serving/auth/serving-auth.js'
import { TrackingAuthority } from '../serving/auth/tracking-authority.js'
import { runPrimary, worker } from '../serving/cluster.js'
import { Deployment } from '../serving/deployment.js'
import type { DeploymentSpec } from '../serving/deployment-spec.js'
import { ModelServer } from '../serving/model-server.js'
import { PredictionLog, type PredictionSink } from '../serving/prediction-log.js'
import { ServingMetrics } from '../serving/serving-metrics.js'
import type { ModelSource } from '../serving/variant.js'
import { VERSION } from '../version.js'
import { nodeGuard } from '../web-security/node-guard.js'
import { type WebSecurityOptions, webSecurityPolicy } from '../web-security/policy.js'
import { MODEL_SERVER_SURFACE, modelServerErrorBody } from '../web-security/surfaces.js'

export interface ServeOptions {
  readonly spec: DeploymentSpec
  readonly host: string
  readonly port: number
  /** 1: serve in this process; more: a cluster of that many workers. */
  readonly workers: number
  readonly trackingUri?: string
  /** Where downloaded models are kept between loads (default: a temporary folder per load). */
  readonly cacheDir?: string
  readonly logFormat: LogFormat
  /**
   * `--graceful-timeout`: on SIGTERM, how long requests in progress may take to finish, and then
   * how long the prediction log's last write may take (default 10 s each); a cluster's workers
   * still running after both (and a margin) are killed.
   */
  readonly gracefulTimeoutMs?: number
  /** `--allowed-hosts`, `--cors-allowed-origins`, `--x-frame-options`, as on `keel server`. */
  readonly webSecurity?: WebSecurityOptions
  /**
   * `--require-auth`: callers' credentials checked against the tracking server (USE on every
   * served registered model to predict, READ for metadata), verdicts kept `cacheTtlMs`.
   */
  readonly requireAuth?: { readonly cacheTtlMs: number }
  /**
   * python_function models: `--env-manager`, `--python-workers`, `--timeout`, `--python-max-memory`;
   * the workers' output and restarts go to the log.
   */
  readonly python?: Omit<PythonModelOptions, 'onLog' | 'onEvent' | 'onProgress'> | false
}

export interface RunningModelServer {
  readonly url: string
  readonly deployment?: Deployment
  close(): Promise<void>
}

/** How python_function models run here: the options, with the workers' output and events sent to the log. */
function pythonOptions(options: ServeOptions, logger: Logger, metrics: ServingMetrics): PythonModelOptions | false {
  if (options.python === false) return false
  return {
    ...options.python,
    onLog: (line, pid) => logger.info({ pid }, `python: ${line}`),
    onEvent: (event) => {
      metrics.pythonWorkerEvents.inc({ reason: event.kind })
      logger.warn({ pid: event.pid, reason: event.kind }, `python worker: ${event.detail}`)
    },
    onProgress: (line) => logger.info({}, `python env: ${line}`),
  }
}

/** Models from the registry and the artifact store, through the SDK. */
function sdkModelSource(keel: Keel, cacheDir: string | undefined, python: PythonModelOptions | false): ModelSource {
  return {
    async resolveVersion(uri) {
      const resolved = await resolveModelUri(uri, { client: () => keel.client, registry: () => keel.registry })
      if (resolved.modelVersion === undefined) throw new Error(`'${uri}' did not resolve to a registered version`)
      return resolved.modelVersion
    },
    load: (uri) => keel.loadModel(uri, { ...(cacheDir !== undefined && { cacheDir }), python }),
  }
}

/** The prediction log's batches, to the tracking server's `/keel/predictions/log-batch`. */
function trackingSink(keel: Keel, deployment: string): PredictionSink {
  return {
    logBatch: (records: readonly PredictionRecord[], dropped = 0) =>
      keel.predictions.logBatch(records, dropped, { deployment }),
  }
}

const urlOf = (host: string, port: number): string => `http://${host.includes(':') ? `[${host}]` : host}:${port}`

/** Builds and starts the deployment and its HTTP server in this process. */
export async function startModelServer(
  options: ServeOptions,
  logger: Logger,
  metricsText?: () => Promise<string>,
): Promise<RunningModelServer> {
  const { spec } = options
  const keel = createKeel(options.trackingUri === undefined ? {} : { trackingUri: options.trackingUri })
  const metrics = new ServingMetrics(spec.name)
  const log = spec.predictionLog.enabled
    ? new PredictionLog(trackingSink(keel, spec.name), spec.predictionLog, metrics, (error) =>
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'prediction log: write failed; will retry',
        ),
      )
    : undefined
  const deployment = new Deployment(
    spec,
    sdkModelSource(keel, options.cacheDir, pythonOptions(options, logger, metrics)),
    metrics,
    log,
    {
      switched: (c) => logger.info({ variant: c.variant, from: c.from, to: c.to }, 'switched version'),
      refreshFailed: (variant, error) =>
        logger.warn(
          { variant, err: error instanceof Error ? error.message : String(error) },
          'registry check failed; serving the loaded version',
        ),
      shadowFailed: (variant, error) =>
        logger.warn({ variant, err: error instanceof Error ? error.message : String(error) }, 'shadow failed'),
    },
  )
  const auth =
    options.requireAuth === undefined
      ? undefined
      : new ServingAuth({
          authority: new TrackingAuthority(keel.trackingUri),
          models: () => registeredModelsOf(deployment.variants),
          cacheTtlMs: options.requireAuth.cacheTtlMs,
          onUnavailable: (detail) =>
            logger.warn(
              { err: detail },
              'cannot verify callers: the tracking server did not answer; refusing with 503',
            ),
        })
  const server = new ModelServer({
    deployment,
    version: VERSION,
    metricsText: metricsText ?? (() => metrics.registry.metrics()),
    logProbabilities: spec.predictionLog.enabled,
    onError: (error, where) =>
      logger.error(
        { where, err: error instanceof Error ? (error.stack ?? error.message) : String(error) },
        'serving error',
      ),
    guard: nodeGuard(webSecurityPolicy(options.host, options.webSecurity), MODEL_SERVER_SURFACE, modelServerErrorBody),
    ...(auth !== undefined && { auth }),
  })
  if (cluster.isWorker) worker.serveMetrics(metrics.registry)
  try {
    await auth?.checkTrackingServer()
    await deployment.start()
    if (auth !== undefined) registeredModelsOf(deployment.variants) // every variant is a registered model
  } catch (error) {
    await deployment.close().catch(() => {})
    throw error
  }
  const listen = (port: number) => server.listen(port, options.host)
  const port = cluster.isWorker ? await worker.listen(listen, options.port) : await listen(options.port)
  return {
    url: urlOf(options.host, port),
    deployment,
    close: async () => {
      const timeout = options.gracefulTimeoutMs ?? DEFAULT_GRACEFUL_TIMEOUT_MS
      await server.close(timeout)
      const unwritten = await deployment.close(timeout)
      if (unwritten > 0)
        logger.warn(
          { records: unwritten },
          'prediction log: records not written before shutdown (the tracking server did not take them in time)',
        )
      logger.flush()
    },
  }
}

/** `keel models serve`: one process, or a primary and its workers (this runs in each). */
export async function serve(
  options: ServeOptions,
  announce: (url: string, deployment?: Deployment) => void,
): Promise<RunningModelServer> {
  const logger = createLogger(options.logFormat, 2)
  if (options.workers > 1 && cluster.isPrimary) {
    return new Promise((resolve, reject) => {
      let started = false
      const primary = runPrimary({
        workers: options.workers,
        env: {},
        log: (message) => logger.warn({}, message),
        onReady: (port) => {
          started = true
          const url = urlOf(options.host, port)
          announce(url)
          // Workers drain, then write their log: past both bounds (and a margin), they are killed.
          resolve({
            url,
            close: () =>
              primary
                .stop(2 * (options.gracefulTimeoutMs ?? DEFAULT_GRACEFUL_TIMEOUT_MS) + 5_000)
                .finally(() => logger.flush()),
          })
        },
        onFailed: (error) => {
          void primary.stop().then(() => {
            if (!started) return reject(new Error(error))
            // A replacement worker could not load the model: stop rather than serve with fewer.
            logger.error({ err: error }, 'a worker failed to start; stopping')
            logger.flush()
            process.exit(1)
          })
        },
      })
    })
  }
  try {
    const running = await startModelServer(
      options,
      logger,
      cluster.isWorker ? () => worker.clusterMetrics() : undefined,
    )
    if (cluster.isWorker) worker.ready(Number(new URL(running.url).port))
    else announce(running.url, running.deployment)
    return running
  } catch (error) {
    if (cluster.isWorker) {
      // The primary reports it (once, for every worker that failed alike) and stops.
      worker.failed(error instanceof Error ? error.message : String(error))
      return new Promise<never>(() => {
        setTimeout(() => process.exit(1), 100)
      })
    }
    throw error
  }
}
