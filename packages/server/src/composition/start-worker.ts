/**
 * `keel worker`: runs the work queue's handlers (live monitors' windows, alerts' webhooks and
 * actions) on this machine without serving HTTP. It opens what the handlers read and write (the
 * backend store, the artifact store for monitors' references, the operator's configuration for
 * actions and webhook targets), as `keel server` does with the same flags.
 */
import { ArtifactLocations } from '../artifacts/artifact-locations.js'
import { openArtifactStore, openS3Repository } from '../artifacts/artifact-store.js'
import { isS3Uri } from '../artifacts/s3-client.js'
import type { OperatorConfig } from '../config/operator-config.js'
import { createLogger, type LogFormat, type Logger } from '../http/logger.js'
import { LiveMonitorService } from '../monitoring/live/monitor-service.js'
import { MonitoringService } from '../monitoring/monitoring-service.js'
import { ModelVersionService } from '../registry/model-version-service.js'
import { SqlMonitorStore } from '../sql/monitoring/sql-monitor-store.js'
import { openDatabase } from '../sql/open-database.js'
import { SqlPredictionLogStore } from '../sql/predictions/sql-prediction-log-store.js'
import { SqlRegistryStore } from '../sql/registry/sql-registry-store.js'
import { createSqlTrackingStore } from '../sql/tracking/sql-tracking-store.js'
import { openQueue } from './open-queue.js'

export interface WorkerConfig {
  readonly backendStoreUri: string
  readonly artifactsDestination: string
  readonly defaultArtifactRoot: string
  /** redis://… (BullMQ); undefined: the durable queue in the backend store. */
  readonly queue?: string
  readonly concurrency: number
  /** The durable queue's lease, in ms (default 30 s). */
  readonly leaseMs?: number
  readonly logFormat: LogFormat
  readonly operator?: OperatorConfig
  readonly gracefulTimeoutMs?: number
}

export interface RunningWorker {
  readonly logger: Logger
  readonly description: string
  close(): Promise<void>
}

export async function startWorker(config: WorkerConfig): Promise<RunningWorker> {
  const logger = createLogger(config.logFormat)
  const database = await openDatabase(config.backendStoreUri)
  const store = createSqlTrackingStore(database)
  const root = config.defaultArtifactRoot.replace(/\/+$/, '')
  const artifactStore = await openArtifactStore(config.artifactsDestination, { check: false })
  const localRoot = /^(file:|\/|\.)/.test(root) ? [root.startsWith('file:') ? new URL(root).pathname : root] : []
  const locations = new ArtifactLocations(artifactStore.repo, localRoot, isS3Uri(root) ? [openS3Repository(root)] : [])
  const registry = new SqlRegistryStore(database.db, database.ops)
  const modelVersions = new ModelVersionService(registry, store, locations)
  const monitoring = new MonitoringService({
    locations,
    runArtifactUri: async (id) => (await store.runs.getInfo(id))?.artifactUri,
  })
  const queue = await openQueue(config.queue, database, logger, config.leaseMs)
  // Registers the handlers of monitors' windows and alerts' deliveries.
  new LiveMonitorService({
    store: new SqlMonitorStore(database.db, database.ops),
    log: new SqlPredictionLogStore(database.db, database.ops),
    queue,
    loadTable: (label, uri) => monitoring.loadArtifactTable(label, uri),
    lineage: (name, version) => modelVersions.lineage(name, version),
    ...(config.operator && { actions: config.operator.actions, webhooks: config.operator.webhooks }),
  })
  queue.startWorkers(config.concurrency)
  logger.info(
    { queue: queue.description, store: database.description, concurrency: config.concurrency },
    'keel worker running jobs',
  )
  return {
    logger,
    description: queue.description,
    async close() {
      await queue.close(config.gracefulTimeoutMs ?? 10_000)
      await store.close()
      logger.flush()
    },
  }
}
