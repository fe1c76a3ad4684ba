/** Protected aliases and their change requests, over keel's registry extension (`/keel/registered-models/alias-*`). */
import {
  type AliasChangeRequest,
  type AliasProtection,
  aliasApprovalsApi,
  aliasProtectionFromWire,
  aliasRequestFromWire,
} from '@keel/contracts'
import { call } from '../api/client'

export async function listProtections(name: string, signal: AbortSignal): Promise<AliasProtection[]> {
  return (await call(aliasApprovalsApi.listAliasProtections, { name }, signal)).protections.map(aliasProtectionFromWire)
}

export async function listPendingRequests(name: string, signal: AbortSignal): Promise<AliasChangeRequest[]> {
  return (
    await call(aliasApprovalsApi.listAliasRequests, { name, status: 'pending', max_results: 100 }, signal)
  ).requests.map(aliasRequestFromWire)
}

export async function requestAliasChange(
  name: string,
  alias: string,
  version: string | undefined,
  comment: string,
): Promise<AliasChangeRequest> {
  const res = await call(aliasApprovalsApi.createAliasRequest, {
    name,
    alias,
    ...(version !== undefined && { version }),
    ...(comment && { comment }),
  })
  return aliasRequestFromWire(res.request)
}

export type Decision = 'approve' | 'reject' | 'cancel'

export async function decide(requestId: string, decision: Decision, comment: string): Promise<void> {
  const endpoint =
    decision === 'approve'
      ? aliasApprovalsApi.approveAliasRequest
      : decision === 'reject'
        ? aliasApprovalsApi.rejectAliasRequest
        : aliasApprovalsApi.cancelAliasRequest
  await call(endpoint, { request_id: requestId, ...(comment && { comment }) })
}

export async function protectAlias(name: string, alias: string, requireApproval: boolean): Promise<void> {
  await call(aliasApprovalsApi.setAliasProtection, { name, alias, require_approval: requireApproval })
}

export async function unprotectAlias(name: string, alias: string): Promise<void> {
  await call(aliasApprovalsApi.deleteAliasProtection, { name, alias })
}

/** alias → whether moving it needs a second user's approval, for the protected aliases of a model. */
export const protectionMap = (protections: readonly AliasProtection[] | undefined): ReadonlyMap<string, boolean> =>
  new Map((protections ?? []).map((p) => [p.alias, p.requireApproval]))
