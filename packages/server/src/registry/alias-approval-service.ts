/**
 * Protected aliases, as the registry's rules: protecting needs the model's MANAGE (checked by the
 * route table); a protected alias needing approval moves only through a request that a second
 * user approves, the requester never approving their own; the audit trail records the request,
 * the decision and the move, each with who, when and why.
 */
import {
  KeelError,
  type AliasChangeRequest,
  type AliasProtection,
  type AliasRequestStatus,
  LIMITS,
} from '@keel/contracts'
import type { Page } from '@keel/contracts'
import type { Readable } from '../search/index.js'
import { validateMaxResults } from '../paging/max-results.js'
import { decodePageToken, toPage } from '../paging/page-token.js'
import type { AliasApprovalStore } from './alias-approval-store.js'
import type { Actor } from './registered-model-service.js'
import { validateAlias, validateModelName } from './registry-validation.js'

export class AliasApprovalService {
  constructor(
    private readonly store: AliasApprovalStore,
    private readonly now: () => number = Date.now,
  ) {}

  private audit(actor: Actor) {
    return { ...actor, time: this.now() }
  }

  setProtection(name: string, alias: string, requireApproval: boolean, actor: Actor): Promise<AliasProtection> {
    validateModelName(name)
    validateAlias(alias)
    return this.store.setProtection(name, alias, requireApproval, this.audit(actor))
  }

  async deleteProtection(name: string, alias: string, actor: Actor): Promise<void> {
    if (!(await this.store.deleteProtection(name, alias, this.audit(actor)))) {
      throw KeelError.notFound(`Alias '${alias}' of registered model '${name}' is not protected`)
    }
  }

  listProtections(name: string): Promise<AliasProtection[]> {
    validateModelName(name)
    return this.store.listProtections(name)
  }

  async request(name: string, alias: string, version: string | undefined, actor: Actor): Promise<AliasChangeRequest> {
    const protection = await this.store.getProtection(name, alias)
    if (!protection?.requireApproval) {
      throw KeelError.invalid(
        `Alias '${alias}' of registered model '${name}' needs no approval${protection ? ' (it is protected: MANAGE suffices)' : ''}: set it directly.`,
      )
    }
    return this.store.createRequest(name, alias, version, this.audit(actor))
  }

  async decide(
    requestId: string,
    decision: Exclude<AliasRequestStatus, 'pending'>,
    actor: Actor,
  ): Promise<AliasChangeRequest> {
    const request = await this.get(requestId)
    if (decision === 'cancelled' && request.requestedBy !== actor.actor) {
      throw new KeelError(
        'PERMISSION_DENIED',
        `Only ${request.requestedBy}, who asked, may withdraw request #${requestId}; others approve or reject it.`,
      )
    }
    if (decision !== 'cancelled' && request.requestedBy === actor.actor) {
      throw new KeelError(
        'PERMISSION_DENIED',
        `A second user must ${decision === 'approved' ? 'approve' : 'reject'} request #${requestId}: ${actor.actor} made it (withdraw it instead).`,
      )
    }
    return this.store.decideRequest(requestId, decision, this.audit(actor))
  }

  async get(requestId: string): Promise<AliasChangeRequest> {
    const request = await this.store.getRequest(requestId)
    if (!request) throw KeelError.notFound(`No alias change request with id '${requestId}'`)
    return request
  }

  async list(query: {
    name?: string
    status?: AliasRequestStatus
    maxResults?: number
    pageToken?: string
    readable?: Readable
  }): Promise<Page<AliasChangeRequest>> {
    const limit = validateMaxResults(query.maxResults, 100, LIMITS.searchRegisteredModelsMaxResults)
    const offset = decodePageToken(query.pageToken)
    const result = await this.store.listRequests({
      ...(query.name !== undefined && { name: query.name }),
      ...(query.status !== undefined && { status: query.status }),
      ...(query.readable && { readable: query.readable }),
      offset,
      limit,
    })
    return toPage(result.items, offset, result.hasMore)
  }
}
