/**
 * The composition root: opens the store and the artifact folder, builds the services and the HTTP
 * app, and listens. Nothing else in the server wires concrete classes together.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { serve, type ServerType } from '@hono/node-server'
import type { Hono } from 'hono'
import { ArtifactLocations } from '../artifacts/artifact-locations.js'
import { mountArtifactRoutes } from '../artifacts/artifact-routes.js'
import { openArtifactStore, openS3Repository } from '../artifacts/artifact-store.js'
import { isS3Uri } from '../artifacts/s3-client.js'
import { DEFAULT_MAX_ARTIFACT_BYTES, DEFAULT_MIN_FREE_DISK_BYTES } from '../artifacts/upload-limits.js'
import { DEFAULT_GRACEFUL_TIMEOUT_MS, gracefulCloser } from '../http-common/graceful-close.js'
import { createApp } from '../http/app.js'
import { createLogger, type LogFormat, type Logger } from '../http/logger.js'
import { findUiRoot, mountUi } from '../http/ui.js'
import { ModelVersionService } from '../registry/model-version-service.js'
import { RegisteredModelService } from '../registry/registered-model-service.js'
import { mountRegistryRoutes } from '../registry/registry-routes.js'
import { PredictionLogService } from '../predictions/prediction-log-service.js'
import { mountPredictionRoutes } from '../predictions/prediction-routes.js'
import { databaseProblem } from '../sql/database-problem.js'
import { openDatabase } from '../sql/open-database.js'
import { SqlPredictionLogStore } from '../sql/predictions/sql-prediction-log-store.js'
import { SqlRegistryStore } from '../sql/registry/sql-registry-store.js'
import { SqlAliasApprovalStore } from '../sql/registry/sql-alias-approval-store.js'
import { AliasApprovalService } from '../registry/alias-approval-service.js'
import { mountAliasApprovalRoutes } from '../registry/alias-approval-routes.js'
import { createSqlTrackingStore } from '../sql/tracking/sql-tracking-store.js'
import { ExperimentService } from '../tracking/experiment-service.js'
import { LoggedModelService } from '../tracking/logged-model-service.js'
import { mountLoggedModelRoutes } from '../tracking/logged-model-routes.js'
import { RunService } from '../tracking/run-service.js'
import { mountTrackingRoutes } from '../tracking/tracking-routes.js'
import { mountGetArtifactRoute } from '../tracking/get-artifact-route.js'
import { mountKeelTrackingRoutes } from '../tracking/keel-routes.js'
import { SqlTraceStore } from '../sql/tracing/sql-trace-store.js'
import { TraceService } from '../tracing/trace-service.js'
import { mountOtlpRoute, mountTraceRoutes } from '../tracing/trace-routes.js'
import { VERSION } from '../version.js'
import { type WebSecurityOptions, uiContentSecurityPolicy, webSecurityPolicy } from '../web-security/policy.js'
import { MonitoringService } from '../monitoring/monitoring-service.js'
import { mountMonitoringRoutes } from '../monitoring/monitoring-routes.js'
import { LiveMonitorService } from '../monitoring/live/monitor-service.js'
import { mountMonitorRoutes } from '../monitoring/live/monitor-routes.js'
import { startMonitorScheduler } from '../monitoring/live/monitor-scheduler.js'
import { SqlMonitorStore } from '../sql/monitoring/sql-monitor-store.js'
import type { OperatorConfig } from '../config/operator-config.js'
import { AccessGuard } from '../auth/access-guard.js'
import { AccessService } from '../auth/access-service.js'
import { AuditLog } from '../auth/audit-log.js'
import { CachedAuthStore } from '../auth/cached-auth-store.js'
import { rememberFound } from '../auth/remember-found.js'
import { mountAuthRoutes } from '../auth/auth-routes.js'
import { AuthService, type AuthSettings } from '../auth/auth-service.js'
import { PERMISSION_TABLE } from '../auth/route-permissions.js'
import { SqlAuditStore } from '../sql/auth/sql-audit-store.js'
import { SqlAuthStore } from '../sql/auth/sql-auth-store.js'
import { ConvertOnRegister, type ConvertOnRegisterOptions } from '../conversion/convert-on-register.js'
import { JobService } from '../queue/job-service.js'
import { mountJobRoutes } from '../queue/job-routes.js'
import { openQueue } from './open-queue.js'

export interface ServerConfig {
  readonly host: string
  readonly port: number
  readonly backendStoreUri: string
  readonly artifactsDestination: string
  readonly defaultArtifactRoot: string
  readonly serveArtifacts: boolean
  readonly logFormat: LogFormat
  /** Set to false to keep request logs off (benchmarks, embedding). */
  readonly requestLog?: boolean
  /** How often live monitors run, in ms (default 10,000; 0: only when asked, `monitors/run`). */
  readonly monitorIntervalMs?: number
  /** `--max-artifact-size`: largest proxied artifact upload, in bytes (default 5 GiB). */
  readonly maxArtifactBytes?: number
  /** `--min-free-disk`: free bytes an upload must leave on the artifact volume (default 1 GiB; 0: no check). */
  readonly minFreeDiskBytes?: number
  /** `--graceful-timeout`: how long requests in flight may finish on close, in ms (default 10 s). */
  readonly gracefulTimeoutMs?: number
  /** Remove the temp files of uploads a crash left (default true; one of several workers does it). */
  readonly sweepStaleUploads?: boolean
  /** `--allowed-hosts`, `--cors-allowed-origins`, `--x-frame-options` (defaults: safe for a laptop). */
  readonly webSecurity?: WebSecurityOptions
  /** The operator's configuration (`--config`): named actions, allowed webhook targets. Default: none, public targets only. */
  readonly operator?: OperatorConfig
  /** `--app-name basic-auth`: users, tokens and permissions (MLflow's basic-auth app). Undefined: off. */
  readonly auth?: AuthSettings
  /** `--convert-on-register onnx`: versions of models tagged keel.convert_to=onnx get an ONNX twin. Undefined: off. */
  readonly convertOnRegister?: ConvertOnRegisterOptions
  /** `--queue redis://host:port/db`: BullMQ on Redis. Undefined: jobs are rows of the backend store. */
  readonly queue?: string
  /** `--queue-workers`: jobs this process runs at once (default 4; 0: none, `keel worker` runs them). */
  readonly queueWorkers?: number
  /** `--queue-lease`: how long a running job of the durable queue is held without renewal, in ms (default 30 s). */
  readonly queueLeaseMs?: number
}

/** Jobs a server runs at once by default. */
export const DEFAULT_QUEUE_WORKERS = 4

export interface RunningServer {
  readonly url: string
  readonly logger: Logger
  close(): Promise<void>
}

/** keel server without a socket: the app and its background work (live monitors, the upload sweep). */
export interface KeelApp {
  /** The Hono app: `app.fetch` serves a Web Request, `app.request(path, init)` is the tests' entry. */
  readonly app: Hono
  readonly logger: Logger
  readonly description: string
  readonly allowedHosts: readonly string[]
  /**
   * Stops the live monitors' scheduler; a run in progress gets `graceMs` (its work is redone by the next start), as
   * do conversions at registration queued or running (one cut short leaves its version's outcome tag `pending`).
   */
  stopBackground(graceMs?: number): Promise<void>
  /** Stops the background work, lets uploads cut short remove their temp files, and closes the store. */
  close(): Promise<void>
}

/**
 * Opens the store and the artifact folder, builds the services and the HTTP app, and starts the
 * background work. `startServer` puts it on a socket; tests call its `app.request` in-process.
 */
export async function createKeelApp(config: ServerConfig): Promise<KeelApp> {
  const logger = createLogger(config.logFormat)
  const security = webSecurityPolicy(config.host, config.webSecurity)
  const database = await openDatabase(config.backendStoreUri)
  const store = createSqlTrackingStore(database)
  const root = config.defaultArtifactRoot.replace(/\/+$/, '')
  await store.ensureDefaultExperiment(`${root}/0`)

  // A folder or s3://bucket/prefix; a bucket the server serves is reached once now, so a wrong one stops it here.
  const artifactStore = await openArtifactStore(config.artifactsDestination, { check: config.serveArtifacts })
  const proxied = artifactStore.repo
  // A local --default-artifact-root (no proxy) is the one other place the server reads artifacts.
  const localRoot = /^(file:|\/|\.)/.test(root) ? [root.startsWith('file:') ? new URL(root).pathname : root] : []
  // An s3:// --default-artifact-root (clients write there themselves): the server reads runs' artifacts below it.
  const locations = new ArtifactLocations(proxied, localRoot, isS3Uri(root) ? [openS3Repository(root)] : [])
  const experiments = new ExperimentService(store, root)
  const runs = new RunService(store, locations)
  const loggedModels = new LoggedModelService(store, locations)
  const traceStore = new SqlTraceStore(database.db, database.ops)
  const traces = new TraceService({
    store: traceStore,
    experiment: (id) => experiments.get(id),
    requireRun: async (id) => {
      await runs.getInfo(id)
    },
  })
  const registry = new SqlRegistryStore(database.db, database.ops)
  const registeredModels = new RegisteredModelService(registry)
  const aliasApprovalStore = new SqlAliasApprovalStore(database.db, database.ops)
  const aliasApprovals = new AliasApprovalService(aliasApprovalStore)
  const modelVersions = new ModelVersionService(registry, store, locations)
  const conversions =
    config.convertOnRegister &&
    new ConvertOnRegister(
      { registeredModels, modelVersions, loggedModels, runs, locations, log: logger },
      config.convertOnRegister,
    )
  const monitoring = new MonitoringService({
    locations,
    runArtifactUri: async (id) => (await store.runs.getInfo(id))?.artifactUri,
  })
  const predictionLog = new SqlPredictionLogStore(database.db, database.ops)
  const predictions = new PredictionLogService(predictionLog)
  const monitorStore = new SqlMonitorStore(database.db, database.ops)
  const queue = await openQueue(config.queue, database, logger, config.queueLeaseMs)
  const jobs = new JobService(queue)
  const monitors = new LiveMonitorService({
    store: monitorStore,
    queue,
    log: predictionLog,
    loadTable: (label, uri) => monitoring.loadArtifactTable(label, uri),
    lineage: (name, version) => modelVersions.lineage(name, version),
    ...(config.operator && { actions: config.operator.actions, webhooks: config.operator.webhooks }),
  })

  // Reads cached for a second at most across processes; a write here takes effect at once (cached-auth-store.ts).
  const authStore = new CachedAuthStore(new SqlAuthStore(database.db, database.ops))
  const auth = config.auth && new AuthService(authStore, config.auth)
  if (auth && (await auth.bootstrapAdmin()).created)
    logger.info({ admin: config.auth!.adminUsername }, 'created the admin user')
  const access = new AccessService(authStore, config.auth?.defaultPermission ?? 'READ')
  const audit = new AuditLog(new SqlAuditStore(database.db, database.ops), {
    onDelay: ({ kind, count, error }) => {
      if (kind === 'waiting') logger.warn({ error: String(error) }, 'audit log: the store is away; records wait')
      else if (kind === 'written') logger.info({ records: count }, 'audit log: the records that waited are written')
      else logger.error({ error: String(error) }, 'audit log: a record was dropped')
    },
  })
  const guard = new AccessGuard({
    auth,
    access,
    table: PERMISSION_TABLE,
    locate: {
      experimentIdByName: async (name) => (await store.experiments.getByName(name))?.experimentId,
      // Neither moves to another experiment: what was found is remembered.
      experimentOfRun: rememberFound(async (runId) => (await store.runs.getInfo(runId))?.experimentId),
      experimentOfLoggedModel: rememberFound(
        async (modelId) => (await store.loggedModels.get(modelId, { allowDeleted: true }))?.info.experimentId,
      ),
      // A trace never moves to another experiment.
      experimentOfTrace: rememberFound(async (traceId) => (await traceStore.getTraceInfo(traceId))?.experimentId),
      deploymentOfMonitor: async (monitorId) => (await monitorStore.getMonitor(monitorId))?.deployment,
      deploymentsOfRequests: async (requestIds) => {
        const found = await Promise.all(requestIds.map((id) => predictionLog.get(id)))
        return {
          deployments: [...new Set(found.flat().map((r) => r.deployment))],
          unknown: found.filter((records) => records.length === 0).length,
        }
      },
      isProtectedAlias: async (name, alias) => (await aliasApprovalStore.getProtection(name, alias)) !== undefined,
      modelOfAliasRequest: async (requestId) => (await aliasApprovalStore.getRequest(requestId))?.name,
    },
  })

  const app = createApp({
    version: VERSION,
    logger: config.requestLog === false ? { ...logger, info() {} } : logger,
    webSecurity: security,
    guard,
    audit: (entry) => audit.append(entry),
    notReady: async () => (await databaseProblem(database)) ?? (await queue.problem()),
    mount: (app, router) => {
      mountAuthRoutes(router, { auth, access, audit })
      mountTrackingRoutes(router, {
        experiments,
        runs,
        storeKind: store.kind,
        directMultipart: config.serveArtifacts && isS3Uri(config.artifactsDestination),
      })
      mountLoggedModelRoutes(router, loggedModels)
      mountTraceRoutes(router, traces)
      mountOtlpRoute(app, traces)
      mountGetArtifactRoute(app, runs, { serve: config.serveArtifacts })
      mountKeelTrackingRoutes(router, { experiments })
      mountRegistryRoutes(router, registeredModels, modelVersions)
      mountAliasApprovalRoutes(router, aliasApprovals)
      mountMonitoringRoutes(app, router, monitoring)
      mountPredictionRoutes(router, predictions)
      mountMonitorRoutes(router, monitors)
      mountJobRoutes(router, jobs)
      mountArtifactRoutes(app, proxied, {
        serve: config.serveArtifacts,
        maxUploadBytes: config.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES,
        minFreeBytes: config.minFreeDiskBytes ?? DEFAULT_MIN_FREE_DISK_BYTES,
        multipart: artifactStore.multipart,
      })
      mountUi(app, findUiRoot(), uiContentSecurityPolicy(security.frameOptions))
    },
  })

  queue.startWorkers(config.queueWorkers ?? DEFAULT_QUEUE_WORKERS)
  const interval = config.monitorIntervalMs ?? 10_000
  const scheduler =
    interval > 0
      ? startMonitorScheduler(monitors, interval, (error) => logger.error({ error: String(error) }, 'live monitors'))
      : undefined
  if (config.sweepStaleUploads !== false) {
    // In the background: the walk of a large artifact folder must not delay serving.
    artifactStore.sweep().then(
      (removed) => {
        if (removed > 0)
          logger.info(
            { removed, artifacts: artifactStore.description },
            'removed the temp files of interrupted uploads',
          )
      },
      (error: unknown) =>
        logger.warn({ error: String(error) }, 'could not sweep the temp files of interrupted uploads'),
    )
  }

  const stopBackground = async (graceMs = config.gracefulTimeoutMs ?? DEFAULT_GRACEFUL_TIMEOUT_MS) => {
    await Promise.race([
      Promise.all([scheduler?.stop(), conversions?.settled()]),
      new Promise<void>((done) => setTimeout(done, graceMs).unref()),
    ])
    await queue.close(graceMs)
  }
  return {
    app,
    logger,
    description: database.description,
    allowedHosts: security.hosts.entries,
    stopBackground,
    async close() {
      await stopBackground()
      // Uploads cut at the bound remove their temp files (their streams fail once cut).
      await Promise.race([artifactStore.settled(), new Promise((done) => setTimeout(done, 2_000).unref())])
      // Audit records that waited for the store get one last try.
      await audit.close()
      await store.close()
      logger.flush()
    },
  }
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const keel = await createKeelApp(config)
  const { app, logger } = keel
  const server = await new Promise<ServerType>((resolveListen, reject) => {
    // 64 KiB of headers and URL: GET searches carry their filter in the query string.
    const s = serve(
      { fetch: app.fetch, hostname: config.host, port: config.port, serverOptions: { maxHeaderSize: 64 * 1024 } },
      () => resolveListen(s),
    )
    s.once('error', reject)
  })
  const closer = gracefulCloser(server as Server)
  const { port } = server.address() as AddressInfo
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  logger.info(
    {
      url,
      store: keel.description,
      artifacts: isS3Uri(config.artifactsDestination)
        ? config.artifactsDestination
        : resolve(config.artifactsDestination),
      allowed_hosts: keel.allowedHosts,
    },
    'keel server listening',
  )
  return {
    url,
    logger,
    async close() {
      // Stop accepting, let requests in flight finish within the bound, and stop a monitor run
      // within the same bound; then close the store.
      const grace = config.gracefulTimeoutMs ?? DEFAULT_GRACEFUL_TIMEOUT_MS
      await Promise.all([closer.close(grace), keel.stopBackground(grace)])
      await keel.close()
    },
  }
}
