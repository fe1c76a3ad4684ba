/**
 * keel's registry extension for protected aliases (`/keel/registered-models/alias-*`): protect an
 * alias, request a move, approve or reject it (a second user), and list both.
 */
import { z } from 'zod'
import { ALIAS_REQUEST_STATUSES, type AliasChangeRequest, type AliasProtection } from '../alias-approvals.js'
import { endpoint } from './endpoint.js'
import { bool, int64, str } from './primitives.js'
import { aliasName, maxResults, modelName, pageToken } from './documented.js'
import { LIMITS } from '../limits.js'
import { versionRef } from './registry-entities.js'
import { defined } from './util.js'

export const aliasProtectionWire = z.object({
  name: str,
  alias: str,
  require_approval: bool,
  protected_by: str,
  protected_time: int64,
})

export const aliasRequestWire = z.object({
  request_id: str,
  name: str,
  alias: str,
  version: str.optional(),
  requested_by: str,
  requested_time: int64,
  comment: str.optional(),
  status: z.enum(ALIAS_REQUEST_STATUSES),
  decided_by: str.optional(),
  decided_time: int64.optional(),
  decision_comment: str.optional(),
})

const decision = z.object({ request_id: str, comment: str.optional() })
const request = z.object({ request: aliasRequestWire })

export const aliasApprovalsApi = {
  setAliasProtection: endpoint(
    'POST',
    '/keel/registered-models/alias-protections/set',
    'Protect an alias (MANAGE): moving it then needs MANAGE and, with require_approval, a second user’s approval',
    z.object({ name: modelName, alias: aliasName, require_approval: bool.optional(), comment: str.optional() }),
    z.object({ protection: aliasProtectionWire }),
  ),
  deleteAliasProtection: endpoint(
    'POST',
    '/keel/registered-models/alias-protections/delete',
    'Remove the protection of an alias (MANAGE)',
    z.object({ name: modelName, alias: aliasName, comment: str.optional() }),
    z.object({}),
  ),
  listAliasProtections: endpoint(
    'GET',
    '/keel/registered-models/alias-protections/list',
    'The protected aliases of a model',
    z.object({ name: modelName }),
    z.object({ protections: z.array(aliasProtectionWire) }),
  ),
  createAliasRequest: endpoint(
    'POST',
    '/keel/registered-models/alias-requests/create',
    'Ask to point a protected alias at a version (no version: remove it); a second user approves',
    z.object({ name: str, alias: str, version: versionRef.optional(), comment: str.optional() }),
    request,
  ),
  approveAliasRequest: endpoint(
    'POST',
    '/keel/registered-models/alias-requests/approve',
    'Approve a pending request (MANAGE, not its requester): the alias moves at once',
    decision,
    request,
  ),
  rejectAliasRequest: endpoint(
    'POST',
    '/keel/registered-models/alias-requests/reject',
    'Reject a pending request (MANAGE, not its requester)',
    decision,
    request,
  ),
  cancelAliasRequest: endpoint(
    'POST',
    '/keel/registered-models/alias-requests/cancel',
    'Withdraw one’s own pending request',
    decision,
    request,
  ),
  listAliasRequests: endpoint(
    'GET',
    '/keel/registered-models/alias-requests/list',
    'Change requests, newest first, of a model or of every readable model',
    z.object({
      name: str.optional(),
      status: z.enum(ALIAS_REQUEST_STATUSES).optional(),
      max_results: maxResults(LIMITS.searchRegisteredModelsMaxResults).optional(),
      page_token: pageToken.optional(),
    }),
    z.object({ requests: z.array(aliasRequestWire), next_page_token: str.optional() }),
  ),
} as const

export function aliasProtectionToWire(p: AliasProtection) {
  return {
    name: p.name,
    alias: p.alias,
    require_approval: p.requireApproval,
    protected_by: p.protectedBy,
    protected_time: p.protectedTime,
  }
}

export function aliasProtectionFromWire(w: z.output<typeof aliasProtectionWire>): AliasProtection {
  return {
    name: w.name,
    alias: w.alias,
    requireApproval: w.require_approval,
    protectedBy: w.protected_by,
    protectedTime: w.protected_time,
  }
}

export function aliasRequestToWire(r: AliasChangeRequest) {
  return defined({
    request_id: r.requestId,
    name: r.name,
    alias: r.alias,
    version: r.version,
    requested_by: r.requestedBy,
    requested_time: r.requestedTime,
    comment: r.comment,
    status: r.status,
    decided_by: r.decidedBy,
    decided_time: r.decidedTime,
    decision_comment: r.decisionComment,
  })
}

export function aliasRequestFromWire(w: z.output<typeof aliasRequestWire>): AliasChangeRequest {
  return defined({
    requestId: w.request_id,
    name: w.name,
    alias: w.alias,
    version: w.version,
    requestedBy: w.requested_by,
    requestedTime: w.requested_time,
    comment: w.comment,
    status: w.status,
    decidedBy: w.decided_by,
    decidedTime: w.decided_time,
    decisionComment: w.decision_comment,
  })
}
