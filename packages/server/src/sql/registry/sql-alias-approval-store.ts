/**
 * Protected aliases and change requests over SQL (migration 0008). Each change and its registry
 * event are one transaction; approving moves the alias in that same transaction.
 */
import { KeelError, type AliasChangeRequest, type AliasProtection, type AliasRequestStatus } from '@keel/contracts'
import type { Kysely, Selectable } from 'kysely'
import type { AliasApprovalStore, AliasRequestQuery } from '../../registry/alias-approval-store.js'
import type { Audit } from '../../registry/registry-store.js'
import type { PageResult } from '../../tracking/tracking-store.js'
import type { AliasChangeRequestsTable, AliasProtectionsTable, Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { withWriteTransaction } from '../sql-util.js'
import { aliasTarget, pointAlias, record, removeAlias, requireModel } from './registry-writes.js'

const protectionOf = (r: Selectable<AliasProtectionsTable>): AliasProtection => ({
  name: r.name,
  alias: r.alias,
  requireApproval: r.require_approval === 1,
  protectedBy: r.protected_by,
  protectedTime: Number(r.protected_time),
})

function requestOf(r: Selectable<AliasChangeRequestsTable>): AliasChangeRequest {
  return {
    requestId: String(r.request_id),
    name: r.name,
    alias: r.alias,
    ...(r.version !== null && { version: String(r.version) }),
    requestedBy: r.requested_by,
    requestedTime: Number(r.requested_time),
    ...(r.comment !== null && { comment: r.comment }),
    status: r.status as AliasRequestStatus,
    ...(r.decided_by !== null && { decidedBy: r.decided_by }),
    ...(r.decided_time !== null && { decidedTime: Number(r.decided_time) }),
    ...(r.decision_comment !== null && { decisionComment: r.decision_comment }),
  }
}

const EVENT: Record<
  Exclude<AliasRequestStatus, 'pending'>,
  'alias_change_approved' | 'alias_change_rejected' | 'alias_change_cancelled'
> = {
  approved: 'alias_change_approved',
  rejected: 'alias_change_rejected',
  cancelled: 'alias_change_cancelled',
}

export class SqlAliasApprovalStore implements AliasApprovalStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {}

  private write<T>(fn: (tx: Kysely<Database>) => Promise<T>): Promise<T> {
    return withWriteTransaction(this.db, this.ops, fn)
  }

  async setProtection(name: string, alias: string, requireApproval: boolean, audit: Audit): Promise<AliasProtection> {
    await this.write(async (tx) => {
      await requireModel(tx, name)
      const values = {
        name,
        alias,
        require_approval: requireApproval ? 1 : 0,
        protected_by: audit.actor,
        protected_time: audit.time,
      }
      await tx
        .insertInto('registered_model_alias_protections')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['name', 'alias']).doUpdateSet({
            require_approval: values.require_approval,
            protected_by: audit.actor,
            protected_time: audit.time,
          }),
        )
        .execute()
      await record(tx, audit, {
        kind: 'alias_protected',
        name,
        alias,
        to: requireApproval ? 'approval required' : 'MANAGE required',
      })
    })
    return (await this.getProtection(name, alias))!
  }

  async deleteProtection(name: string, alias: string, audit: Audit): Promise<boolean> {
    return this.write(async (tx) => {
      const deleted = await tx
        .deleteFrom('registered_model_alias_protections')
        .where('name', '=', name)
        .where('alias', '=', alias)
        .executeTakeFirst()
      if (deleted.numDeletedRows === 0n) return false
      await record(tx, audit, { kind: 'alias_unprotected', name, alias })
      return true
    })
  }

  async getProtection(name: string, alias: string): Promise<AliasProtection | undefined> {
    const row = await this.db
      .selectFrom('registered_model_alias_protections')
      .selectAll()
      .where('name', '=', name)
      .where('alias', '=', alias)
      .executeTakeFirst()
    return row && protectionOf(row)
  }

  async listProtections(name: string): Promise<AliasProtection[]> {
    return (
      await this.db
        .selectFrom('registered_model_alias_protections')
        .selectAll()
        .where('name', '=', name)
        .orderBy('alias')
        .execute()
    ).map(protectionOf)
  }

  async createRequest(
    name: string,
    alias: string,
    version: string | undefined,
    audit: Audit,
  ): Promise<AliasChangeRequest> {
    const id = await this.write(async (tx) => {
      await requireModel(tx, name)
      const n = version === undefined ? null : await aliasTarget(tx, name, version)
      const pending = await tx
        .selectFrom('alias_change_requests')
        .select('request_id')
        .where('name', '=', name)
        .where('alias', '=', alias)
        .where('status', '=', 'pending')
        .executeTakeFirst()
      if (pending) {
        throw KeelError.invalid(
          `Request #${pending.request_id} to change alias '${alias}' of '${name}' is pending: approve, reject or withdraw it first.`,
        )
      }
      const inserted = await tx
        .insertInto('alias_change_requests')
        .values({
          name,
          alias,
          version: n,
          requested_by: audit.actor,
          requested_time: audit.time,
          comment: audit.comment ?? null,
          status: 'pending',
        })
        .returning('request_id')
        .executeTakeFirstOrThrow()
      const requestId = Number(inserted.request_id)
      await record(tx, audit, {
        kind: 'alias_change_requested',
        name,
        alias,
        ...(n !== null && { version: n, to: String(n) }),
        requestId,
      })
      return requestId
    })
    return (await this.getRequest(String(id)))!
  }

  async getRequest(requestId: string): Promise<AliasChangeRequest | undefined> {
    if (!/^\d{1,15}$/.test(requestId)) return undefined
    const row = await this.db
      .selectFrom('alias_change_requests')
      .selectAll()
      .where('request_id', '=', Number(requestId))
      .executeTakeFirst()
    return row && requestOf(row)
  }

  async listRequests(query: AliasRequestQuery): Promise<PageResult<AliasChangeRequest>> {
    let q = this.db.selectFrom('alias_change_requests').selectAll()
    if (query.name !== undefined) q = q.where('name', '=', query.name)
    if (query.status !== undefined) q = q.where('status', '=', query.status)
    if (query.readable?.only !== undefined) {
      if (query.readable.only.length === 0) return { items: [], hasMore: false }
      q = q.where('name', 'in', [...query.readable.only])
    }
    if (query.readable && query.readable.except.length > 0) q = q.where('name', 'not in', [...query.readable.except])
    const rows = await q
      .orderBy('request_id', 'desc')
      .limit(query.limit + 1)
      .offset(query.offset)
      .execute()
    return { items: rows.slice(0, query.limit).map(requestOf), hasMore: rows.length > query.limit }
  }

  async decideRequest(
    requestId: string,
    decision: Exclude<AliasRequestStatus, 'pending'>,
    audit: Audit,
  ): Promise<AliasChangeRequest> {
    if (!/^\d{1,15}$/.test(requestId)) throw KeelError.notFound(`No alias change request with id '${requestId}'`)
    const id = Number(requestId)
    await this.write(async (tx) => {
      const row = await tx
        .selectFrom('alias_change_requests')
        .selectAll()
        .where('request_id', '=', id)
        .executeTakeFirst()
      if (!row) throw KeelError.notFound(`No alias change request with id '${requestId}'`)
      if (row.status !== 'pending') throw KeelError.invalid(`Request #${requestId} is ${row.status} already`)
      const decided = await tx
        .updateTable('alias_change_requests')
        .set({
          status: decision,
          decided_by: audit.actor,
          decided_time: audit.time,
          decision_comment: audit.comment ?? null,
        })
        .where('request_id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst()
      if (decided.numUpdatedRows === 0n) throw KeelError.invalid(`Request #${requestId} was decided meanwhile`)
      await record(tx, audit, {
        kind: EVENT[decision],
        name: row.name,
        alias: row.alias,
        ...(row.version !== null && { version: row.version, to: String(row.version) }),
        requestId: id,
      })
      if (decision !== 'approved') return
      const move: Audit = {
        ...audit,
        comment: `request #${requestId} by ${row.requested_by}${row.comment ? `: ${row.comment}` : ''}`,
      }
      if (row.version === null) await removeAlias(tx, row.name, row.alias, move, id)
      else await pointAlias(tx, row.name, row.alias, String(row.version), move, id)
    })
    return (await this.getRequest(requestId))!
  }
}
