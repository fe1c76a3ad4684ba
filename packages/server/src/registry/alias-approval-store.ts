/**
 * The store of protected aliases and alias change requests. Approving a request moves the alias in
 * the same transaction as the decision and its events, so a request is approved exactly when its
 * move happened. Every implementation runs test/conformance/alias-approval-store-conformance.ts.
 */
import type { AliasChangeRequest, AliasProtection, AliasRequestStatus } from '@keel/contracts'
import type { Readable } from '../search/index.js'
import type { PageRequest, PageResult } from '../tracking/tracking-store.js'
import type { Audit } from './registry-store.js'

export interface AliasRequestQuery extends PageRequest {
  readonly name?: string
  readonly status?: AliasRequestStatus
  /** The models the caller may read; undefined: all. */
  readonly readable?: Readable
}

export interface AliasApprovalStore {
  /** Protects (or changes the protection of) an alias of an existing model; an `alias_protected` event. */
  setProtection(name: string, alias: string, requireApproval: boolean, audit: Audit): Promise<AliasProtection>
  /** Returns false when the alias was not protected; an `alias_unprotected` event otherwise. */
  deleteProtection(name: string, alias: string, audit: Audit): Promise<boolean>
  getProtection(name: string, alias: string): Promise<AliasProtection | undefined>
  listProtections(name: string): Promise<AliasProtection[]>

  /** A pending request, with its event; INVALID_PARAMETER_VALUE when one is pending for the alias already. */
  createRequest(name: string, alias: string, version: string | undefined, audit: Audit): Promise<AliasChangeRequest>
  getRequest(requestId: string): Promise<AliasChangeRequest | undefined>
  /** Newest first. */
  listRequests(query: AliasRequestQuery): Promise<PageResult<AliasChangeRequest>>
  /**
   * Decides a pending request (INVALID_PARAMETER_VALUE when it is not pending any more); approving
   * moves (or removes) the alias in the same transaction.
   */
  decideRequest(
    requestId: string,
    decision: Exclude<AliasRequestStatus, 'pending'>,
    audit: Audit,
  ): Promise<AliasChangeRequest>
}
