/**
 * The SQL stores' conformance suites, run the same on every engine: each engine's test file
 * (*.sqlite.test.ts, *.postgres.test.ts) gives a way to open a fresh, migrated database whose
 * close() also removes it.
 */
import { sql } from 'kysely'
import { SqlAuditStore } from '../../src/sql/auth/sql-audit-store.js'
import { SqlAuthStore } from '../../src/sql/auth/sql-auth-store.js'
import type { SqlDatabase } from '../../src/sql/database.js'
import { SqlMonitorStore } from '../../src/sql/monitoring/sql-monitor-store.js'
import { SqlPredictionLogStore } from '../../src/sql/predictions/sql-prediction-log-store.js'
import { SqlAliasApprovalStore } from '../../src/sql/registry/sql-alias-approval-store.js'
import { SqlRegistryStore } from '../../src/sql/registry/sql-registry-store.js'
import { SqlTraceStore } from '../../src/sql/tracing/sql-trace-store.js'
import { runAliasApprovalStoreConformance } from '../conformance/alias-approval-store-conformance.js'
import { runAuditStoreConformance } from '../conformance/audit-store-conformance.js'
import { runAuthStoreConformance } from '../conformance/auth-store-conformance.js'
import { runMonitorStoreConformance } from '../conformance/monitor-store-conformance.js'
import { runPredictionLogStoreConformance } from '../conformance/prediction-log-store-conformance.js'
import { runRegistryStoreConformance } from '../conformance/registry-store-conformance.js'
import { runTraceStoreConformance } from '../conformance/trace-store-conformance.js'

/** A fresh, migrated database; its close() removes it. */
export type OpenDatabase = () => Promise<SqlDatabase>

/** A fresh database with what a suite builds on it, closed (and removed) with it. */
async function open<T>(
  openDatabase: OpenDatabase,
  build: (d: SqlDatabase) => T,
): Promise<T & { close(): Promise<void> }> {
  const database = await openDatabase()
  return { ...build(database), close: () => database.close() }
}

/** The registry and its protected aliases and change requests. */
export function runSqlRegistrySuites(engine: string, openDatabase: OpenDatabase): void {
  runRegistryStoreConformance({
    name: `SQL registry store on ${engine}`,
    newStore: () => open(openDatabase, (d) => ({ store: new SqlRegistryStore(d.db, d.ops) })),
  })
  runAliasApprovalStoreConformance({
    name: `SQL alias approval store on ${engine}`,
    newStore: () =>
      open(openDatabase, (d) => ({
        store: new SqlAliasApprovalStore(d.db, d.ops),
        registry: new SqlRegistryStore(d.db, d.ops),
      })),
  })
}

/** Users, roles, grants, role assignments and tokens; the audit log. */
export function runSqlAuthSuites(engine: string, openDatabase: OpenDatabase): void {
  runAuthStoreConformance({
    name: `SQL auth store on ${engine}`,
    newStore: () => open(openDatabase, (d) => ({ store: new SqlAuthStore(d.db, d.ops) })),
  })
  runAuditStoreConformance({
    name: `SQL audit store on ${engine}`,
    newStore: () =>
      open(openDatabase, (d) => ({
        store: new SqlAuditStore(d.db, d.ops),
        tamper: {
          update: () => sql`UPDATE audit_log SET actor = 'mallory'`.execute(d.db),
          delete: () => sql`DELETE FROM audit_log`.execute(d.db),
        },
      })),
  })
}

export function runSqlPredictionLogSuite(engine: string, openDatabase: OpenDatabase): void {
  runPredictionLogStoreConformance({
    name: `SQL prediction log on ${engine}`,
    newStore: () => open(openDatabase, (d) => ({ store: new SqlPredictionLogStore(d.db, d.ops) })),
  })
}

export function runSqlMonitorSuite(engine: string, openDatabase: OpenDatabase): void {
  runMonitorStoreConformance({
    name: `SQL monitors on ${engine}`,
    newStore: () => open(openDatabase, (d) => ({ store: new SqlMonitorStore(d.db, d.ops) })),
  })
}

export function runSqlTraceSuite(engine: string, openDatabase: OpenDatabase): void {
  runTraceStoreConformance({
    name: `SQL trace store on ${engine}`,
    newStore: () => open(openDatabase, (d) => ({ store: new SqlTraceStore(d.db, d.ops) })),
  })
}
