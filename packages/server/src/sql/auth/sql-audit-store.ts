/**
 * The audit log over SQL (migration 0007): one row per write, appended; the table's triggers
 * refuse UPDATE and DELETE, so not even a bug in keel can rewrite it.
 */
import type { ColumnType, Generated, Kysely } from 'kysely'
import type { AuditEntry, AuditQuery, AuditRecord, AuditStore } from '../../auth/audit-log.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { precompile } from '../precompiled.js'
import { withAuditWriteTransaction } from '../sql-util.js'

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

const AUDIT_COLUMNS = [
  'timestamp_ms',
  'actor',
  'authenticated',
  'address',
  'method',
  'path',
  'action',
  'resource',
  'status',
  'request_id',
] as const

/** At most `n` UTF-16 units, never ending in half a surrogate pair (that would store U+FFFD). */
export function clip(s: string, n: number): string {
  if (s.length <= n) return s
  const code = s.charCodeAt(n - 1)
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n)
}

const MAX_RESOURCE_KEYS = 8
const MAX_RESOURCE_VALUE = 512

/**
 * The resource a request named, as JSON that always parses: each key and value clipped before
 * encoding (a request may name a 5,000-character id; clipping the encoded text would store JSON
 * that breaks every later search).
 */
function resourceJson(resource: Readonly<Record<string, string>>): string {
  const entries = Object.entries(resource)
    .slice(0, MAX_RESOURCE_KEYS)
    .map(([key, value]) => [clip(key, 64), clip(String(value), MAX_RESOURCE_VALUE)])
  return JSON.stringify(Object.fromEntries(entries))
}

/** A stored resource; a row written before this was clipped safely is shown as its raw text. */
function parseResource(text: string): Record<string, string> {
  try {
    const parsed = JSON.parse(text) as unknown
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, string>
  } catch {
    // fall through
  }
  return { unparsed: text }
}

/** The insert of one record, compiled once (building it with Kysely cost as much as SQLite's insert). */
const insertRecord = precompile(AUDIT_COLUMNS.length, (db, ...slots) =>
  (db as unknown as AuditDb)
    .insertInto('audit_log')
    .values(Object.fromEntries(AUDIT_COLUMNS.map((column, i) => [column, slots[i]])) as never),
)

function rowOf(e: AuditEntry): unknown[] {
  return [
    e.timestampMs,
    clip(e.actor, 256),
    e.authenticated ? 1 : 0,
    clip(e.address, 64),
    clip(e.method, 8),
    clip(e.path, 2048),
    clip(e.action, 128),
    e.resource === undefined ? null : resourceJson(e.resource),
    e.status,
    clip(e.requestId, 128),
  ]
}

/**
 * The row with U+0000 replaced by U+FFFD in its text, for an engine whose text cannot hold it
 * (PostgreSQL): a request whose path holds a NUL is still recorded. (The resource is JSON, which
 * escapes it.)
 */
function withoutNul(row: unknown[]): unknown[] {
  return row.map((v) => (typeof v === 'string' && v.includes('\u0000') ? v.replaceAll('\u0000', '\uFFFD') : v))
}

interface Pending {
  readonly row: unknown[]
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

export class SqlAuditStore implements AuditStore {
  private readonly db: AuditDb
  private readonly writer: Kysely<Database>
  private queue: Pending[] = []
  private writing = false

  constructor(
    db: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {
    this.writer = db
    this.db = db.withTables<{ audit_log: AuditLogTable }>() as unknown as AuditDb
  }

  /**
   * Resolves once the record is committed (the caller answers its request only then, so an
   * acknowledged write's record survives kill -9). Appends that arrive while a commit is under way
   * are written together in the next transaction: one commit for all of them, each still
   * acknowledged only after that commit.
   */
  append(e: AuditEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      const row = rowOf(e)
      this.queue.push({ row: this.ops.textHoldsNul ? row : withoutNul(row), resolve, reject })
      if (!this.writing) void this.drain()
    })
  }

  private async drain(): Promise<void> {
    this.writing = true
    try {
      while (this.queue.length > 0) {
        const group = this.queue
        this.queue = []
        await this.write(group)
      }
    } finally {
      this.writing = false
    }
  }

  /**
   * Runs the inserts in one transaction. Records are numbered in commit order, so that a reader
   * paging by `afterSeq` never passes over one: SQLite's writer holds its lock from the number to
   * the commit; on PostgreSQL the transaction first takes the audit log's own lock
   * (`beginWrite(db, 'audit')`), which no other write waits for.
   */
  private inTransaction(fn: (tx: Kysely<Database>) => Promise<void>): Promise<void> {
    if (this.ops.serialOrderNeedsWriteLock) return withAuditWriteTransaction(this.writer, this.ops, fn)
    return this.writer.transaction().execute(fn)
  }

  private insertOne(row: unknown[]): Promise<unknown> {
    if (this.ops.serialOrderNeedsWriteLock) return this.inTransaction((tx) => insertRecord(tx, ...row).then(() => {}))
    // SQLite: one statement is its own transaction, under the write lock.
    return insertRecord(this.writer, ...row)
  }

  private async write(group: readonly Pending[]): Promise<void> {
    if (group.length > 1) {
      try {
        await this.inTransaction(async (tx) => {
          for (const { row } of group) await insertRecord(tx, ...row)
        })
        for (const p of group) p.resolve()
        return
      } catch {
        // One record the table refuses must not lose the others: each on its own below.
      }
    }
    for (const p of group) {
      try {
        await this.insertOne(p.row)
        p.resolve()
      } catch (error) {
        p.reject(error)
      }
    }
  }

  async search(q: AuditQuery): Promise<AuditRecord[]> {
    let query = this.db.selectFrom('audit_log').selectAll().orderBy('seq').limit(q.limit)
    if (q.actor !== undefined)
      query = query.where('actor', '=', this.ops.textHoldsNul ? q.actor : q.actor.replaceAll('\u0000', '\uFFFD'))
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
      ...(r.resource !== null && { resource: parseResource(r.resource) }),
      status: r.status,
      requestId: r.request_id,
    }))
  }
}
