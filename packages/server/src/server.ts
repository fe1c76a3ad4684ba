/**
 * The composition root: opens the store and the artifact folder, builds the services and the HTTP
 * app, and listens. Nothing else in the server wires concrete classes together.
 */
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { serve, type ServerType } from '@hono/node-server'
import { ArtifactLocations } from './artifacts/artifact-locations.js'
import { mountArtifactRoutes } from './artifacts/artifact-routes.js'
import { LocalArtifactRepository } from './artifacts/local-artifact-repository.js'
import { createApp } from './http/app.js'
import { createLogger, type LogFormat, type Logger } from './http/logger.js'
import { findUiRoot, mountUi } from './http/ui.js'
import { ModelVersionService } from './registry/model-version-service.js'
import { RegisteredModelService } from './registry/registered-model-service.js'
import { mountRegistryRoutes } from './registry/registry-routes.js'
import { PredictionLogService } from './predictions/prediction-log-service.js'
import { mountPredictionRoutes } from './predictions/prediction-routes.js'
import { openDatabase } from './sql/open-database.js'
import { SqlPredictionLogStore } from './sql/predictions/sql-prediction-log-store.js'
import { SqlRegistryStore } from './sql/registry/sql-registry-store.js'
import { createSqlTrackingStore } from './sql/tracking/sql-tracking-store.js'
import { ExperimentService } from './tracking/experiment-service.js'
import { LoggedModelService } from './tracking/logged-model-service.js'
import { mountLoggedModelRoutes } from './tracking/logged-model-routes.js'
import { RunService } from './tracking/run-service.js'
import { mountTrackingRoutes } from './tracking/tracking-routes.js'
import { mountKeelTrackingRoutes } from './tracking/keel-routes.js'
import { VERSION } from './version.js'
import { MonitoringService } from './monitoring/monitoring-service.js'
import { mountMonitoringRoutes } from './monitoring/monitoring-routes.js'
import { LiveMonitorService } from './monitoring/live/monitor-service.js'
import { mountMonitorRoutes } from './monitoring/live/monitor-routes.js'
import { startMonitorScheduler } from './monitoring/live/monitor-scheduler.js'
import { SqlMonitorStore } from './sql/monitoring/sql-monitor-store.js'
import type { OperatorConfig } from './config/operator-config.js'


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
  /** The operator's configuration (`--config`): named actions, allowed webhook targets. Default: none, public targets only. */
  readonly operator?: OperatorConfig
}

export interface RunningServer {
  readonly url: string
  readonly logger: Logger
  close(): Promise<void>
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const logger = createLogger(config.logFormat)
  const database = await openDatabase(config.backendStoreUri)
  const store = createSqlTrackingStore(database)
  const root = config.defaultArtifactRoot.replace(/\/+$/, '')
  await store.ensureDefaultExperiment(`${root}/0`)

  const proxied = new LocalArtifactRepository(resolve(config.artifactsDestination))
  // A local --default-artifact-root (no proxy) is the one other place the server reads artifacts.
  const localRoot = /^(file:|\/|\.)/.test(root) ? [root.startsWith('file:') ? new URL(root).pathname : root] : []
  const locations = new ArtifactLocations(proxied, localRoot)
  const experiments = new ExperimentService(store, root)
  const runs = new RunService(store, locations)
  const loggedModels = new LoggedModelService(store, locations)
  const registry = new SqlRegistryStore(database.db, database.ops)
  const registeredModels = new RegisteredModelService(registry)
  const modelVersions = new ModelVersionService(registry, store, locations)
  const monitoring = new MonitoringService({ locations, runArtifactUri: async (id) => (await store.runs.getInfo(id))?.artifactUri })
  const predictionLog = new SqlPredictionLogStore(database.db, database.ops)
  const predictions = new PredictionLogService(predictionLog)
  const monitors = new LiveMonitorService({
    store: new SqlMonitorStore(database.db, database.ops),
    log: predictionLog,
    loadTable: (label, uri) => monitoring.loadArtifactTable(label, uri),
    lineage: (name, version) => modelVersions.lineage(name, version),
    ...(config.operator && { actions: config.operator.actions, webhooks: config.operator.webhooks }),
  })

  const app = createApp({
    version: VERSION,
    logger: config.requestLog === false ? { ...logger, info() {} } : logger,
    mount: (app, router) => {
      mountTrackingRoutes(router, { experiments, runs, storeKind: store.kind })
      mountLoggedModelRoutes(router, loggedModels)
      mountKeelTrackingRoutes(router, { experiments })
      mountRegistryRoutes(router, registeredModels, modelVersions)
      mountMonitoringRoutes(app, router, monitoring)
      mountPredictionRoutes(router, predictions)
      mountMonitorRoutes(router, monitors)
      mountArtifactRoutes(app, proxied, { serve: config.serveArtifacts })
      mountUi(app, findUiRoot())
    },
  })

  const server = await new Promise<ServerType>((resolveListen, reject) => {
    // 64 KiB of headers and URL: GET searches carry their filter in the query string.
    const s = serve(
      { fetch: app.fetch, hostname: config.host, port: config.port, serverOptions: { maxHeaderSize: 64 * 1024 } },
      () => resolveListen(s),
    )
    s.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  logger.info({ url, store: database.description, artifacts: resolve(config.artifactsDestination) }, 'keel server listening')
  const interval = config.monitorIntervalMs ?? 10_000
  const scheduler = interval > 0 ? startMonitorScheduler(monitors, interval, (error) => logger.error({ error: String(error) }, 'live monitors')) : undefined

  return {
    url,
    logger,
    async close() {
      await scheduler?.stop()
      await new Promise<void>((done) => server.close(() => done()))
      await store.close()
      logger.flush()
    },
  }
}
