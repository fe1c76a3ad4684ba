/**
 * The SQL audit store's grouped commits, on any engine: appends that arrive while a commit is under
 * way share the next transaction, and each still resolves only once its record is committed.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { AuditEntry } from '../../src/auth/audit-log.js'
import { SqlAuditStore } from '../../src/sql/auth/sql-audit-store.js'
import type { SqlDatabase } from '../../src/sql/database.js'

export interface AuditGroupingHandle {
  readonly database: SqlDatabase
  /**
   * Whether another connection sees the record of this request id (only committed rows are
   * visible to it). Called the moment an append resolves: a synchronous reader (SQLite's) reads
   * then and there.
   */
  committed(requestId: string): boolean | Promise<boolean>
  /** Closes the reader and the database (and removes it). */
  close(): Promise<void>
}

export const auditEntry = (i: number): AuditEntry => ({
  timestampMs: 1_700_000_000_000 + i,
  actor: `user-${i}`,
  authenticated: false,
  address: '127.0.0.1',
  method: 'POST',
  path: '/api/2.0/mlflow/runs/log-batch',
  action: 'POST /mlflow/runs/log-batch',
  resource: { run_id: `run-${i}` },
  status: 200,
  requestId: `req-${i}`,
})

export function runAuditGroupingSuite(engine: string, open: () => Promise<AuditGroupingHandle>): void {
  describe(`SQL audit store on ${engine}: concurrent appends`, () => {
    let handle: AuditGroupingHandle | undefined
    afterEach(async () => {
      await handle?.close()
      handle = undefined
    })

    it('commits each record before its append resolves, in the order appended, when appends share a commit', async () => {
      handle = await open()
      const { database, committed } = handle
      const store = new SqlAuditStore(database.db, database.ops)
      const seen = await Promise.all(
        Array.from({ length: 40 }, (_, i) => store.append(auditEntry(i)).then(() => committed(`req-${i}`))),
      )
      expect(seen).toEqual(Array.from({ length: 40 }, () => true))
      const records = await store.search({ limit: 100 })
      expect(records.map((r) => r.requestId)).toEqual(Array.from({ length: 40 }, (_, i) => `req-${i}`))
      expect(records[7]).toMatchObject({ ...auditEntry(7), seq: records[0]!.seq + 7 })
    })
  })
}
