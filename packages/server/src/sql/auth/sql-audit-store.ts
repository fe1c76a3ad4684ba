/**
 * The audit log over SQL (migration 0007): one row per write, appended; the table's triggers
 * refuse UPDATE and DELETE, so not even a bug in keel can rewrite it.
 */
import type { ColumnType, Generated, Kysely } from 'kysely'
import type { AuditEntry, AuditQuery, AuditRecord, AuditStore } from '../../auth/audit-log.js'
import type { Database } from '../database.js'

type Int64 = ColumnType<number, number | bigint, number | bigint>

interface AuditLogTable {
  seq: Generated<number>
  timestamp_ms: Int64
  actor: string
  authenticated: number
  address: string
  method: string
  path: string
  action: string
  resource: string | null
  status: number
  request_id: string
}

type AuditDb = Kysely<{ audit_log: AuditLogTable }>

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s)

export class SqlAuditStore implements AuditStore {
  private readonly db: AuditDb

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<{ audit_log: AuditLogTable }>() as unknown as AuditDb
  }

  async append(e: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        timestamp_ms: e.timestampMs,
        actor: clip(e.actor, 256),
        authenticated: e.authenticated ? 1 : 0,
        address: clip(e.address, 64),
        method: clip(e.method, 8),
        path: clip(e.path, 2048),
        action: clip(e.action, 128),
        resource: e.resource === undefined ? null : clip(JSON.stringify(e.resource), 4096),
        status: e.status,
        request_id: clip(e.requestId, 128),
      })
      .execute()
  }

  async search(q: AuditQuery): Promise<AuditRecord[]> {
    let query = this.db.selectFrom('audit_log').selectAll().orderBy('seq').limit(q.limit)
    if (q.actor !== undefined) query = query.where('actor', '=', q.actor)
    if (q.startTime !== undefined) query = query.where('timestamp_ms', '>=', q.startTime)
    if (q.endTime !== undefined) query = query.where('timestamp_ms', '<', q.endTime)
    if (q.afterSeq !== undefined) query = query.where('seq', '>', q.afterSeq)
    return (await query.execute()).map((r) => ({
      seq: Number(r.seq),
      timestampMs: Number(r.timestamp_ms),
      actor: r.actor,
      authenticated: r.authenticated === 1,
      address: r.address,
      method: r.method,
      path: r.path,
      action: r.action,
      ...(r.resource !== null && { resource: JSON.parse(r.resource) as Record<string, string> }),
      status: r.status,
      requestId: r.request_id,
    }))
  }
}
