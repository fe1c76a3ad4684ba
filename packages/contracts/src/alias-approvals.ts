/**
 * Protected aliases and the requests to move them ("who approved this for production?"): a
 * model's owner protects an alias such as `champion`; moving it then needs MANAGE and, when the
 * protection asks for it, a second user's approval of a request. Entities shared by the server's
 * registry domain, the SDK and the UI; the wire shapes are in wire/alias-approvals-api.ts.
 */
export interface AliasProtection {
  readonly name: string
  readonly alias: string
  /** Moving the alias needs a request approved by a second user. */
  readonly requireApproval: boolean
  readonly protectedBy: string
  readonly protectedTime: number
}

export const ALIAS_REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const
export type AliasRequestStatus = (typeof ALIAS_REQUEST_STATUSES)[number]

export interface AliasChangeRequest {
  readonly requestId: string
  readonly name: string
  readonly alias: string
  /** The version the alias should point at; absent: remove the alias. */
  readonly version?: string | undefined
  readonly requestedBy: string
  readonly requestedTime: number
  readonly comment?: string | undefined
  readonly status: AliasRequestStatus
  readonly decidedBy?: string | undefined
  readonly decidedTime?: number | undefined
  readonly decisionComment?: string | undefined
}
