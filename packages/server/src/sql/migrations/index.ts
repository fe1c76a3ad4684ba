import type { Migration } from 'kysely'
import type { DialectOps } from '../dialect.js'
import { trackingMigration } from './0001-tracking.js'
import { registryMigration } from './0002-registry.js'
import { predictionsMigration } from './0003-predictions.js'
import { monitorsMigration } from './0004-monitors.js'
import { predictionsRequestKeyMigration } from './0005-predictions-request-key.js'
import { monitorWindowProfilesMigration } from './0006-monitor-window-profiles.js'
import { authMigration } from './0007-auth.js'
import { aliasApprovalsMigration } from './0008-alias-approvals.js'
import { metricsByStepMigration } from './0009-metrics-by-step.js'
import { latestMetricsNanIndexMigration } from './0010-latest-metrics-nan-index.js'
import { jobsMigration } from './0011-jobs.js'
import { metricsWithoutRunKeyMigration } from './0012-metrics-without-run-key.js'
import { tracesMigration } from './0013-traces.js'

/** Every migration, in order. Names sort lexically; never rename or edit a released one. */
export function allMigrations(ops: DialectOps): Record<string, Migration> {
  return {
    '0001-tracking': trackingMigration(ops),
    '0002-registry': registryMigration(ops),
    '0003-predictions': predictionsMigration(ops),
    '0004-monitors': monitorsMigration(ops),
    '0005-predictions-request-key': predictionsRequestKeyMigration(ops),
    '0006-monitor-window-profiles': monitorWindowProfilesMigration(ops),
    '0007-auth': authMigration(ops),
    '0008-alias-approvals': aliasApprovalsMigration(ops),
    '0009-metrics-by-step': metricsByStepMigration(ops),
    '0010-latest-metrics-nan-index': latestMetricsNanIndexMigration(),
    '0011-jobs': jobsMigration(),
    '0012-metrics-without-run-key': metricsWithoutRunKeyMigration(ops),
    '0013-traces': tracesMigration(ops),
  }
}
