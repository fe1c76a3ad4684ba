/**
 * keel's protected-alias routes (`/keel/registered-models/alias-*`): wire in, the service called
 * with the acting user, wire out. Who may call each is in the route table.
 */
import { aliasApprovalsApi as api, aliasProtectionToWire, aliasRequestToWire } from '@keel/contracts'
import type { RpcRouter } from '../http/rpc.js'
import type { AliasApprovalService } from './alias-approval-service.js'
import { actorOf } from './registry-routes.js'

export function mountAliasApprovalRoutes(router: RpcRouter, approvals: AliasApprovalService): void {
  router
    .add(api.setAliasProtection, async (r, c) => ({
      protection: aliasProtectionToWire(
        await approvals.setProtection(r.name, r.alias, r.require_approval ?? true, actorOf(c, r.comment)),
      ),
    }))
    .add(api.deleteAliasProtection, async (r, c) => {
      await approvals.deleteProtection(r.name, r.alias, actorOf(c, r.comment))
      return {}
    })
    .add(api.listAliasProtections, async (r) => ({
      protections: (await approvals.listProtections(r.name)).map(aliasProtectionToWire),
    }))
    .add(api.createAliasRequest, async (r, c) => ({
      request: aliasRequestToWire(await approvals.request(r.name, r.alias, r.version, actorOf(c, r.comment))),
    }))
    .add(api.approveAliasRequest, async (r, c) => ({
      request: aliasRequestToWire(await approvals.decide(r.request_id, 'approved', actorOf(c, r.comment))),
    }))
    .add(api.rejectAliasRequest, async (r, c) => ({
      request: aliasRequestToWire(await approvals.decide(r.request_id, 'rejected', actorOf(c, r.comment))),
    }))
    .add(api.cancelAliasRequest, async (r, c) => ({
      request: aliasRequestToWire(await approvals.decide(r.request_id, 'cancelled', actorOf(c, r.comment))),
    }))
    .add(api.listAliasRequests, async (r, c) => {
      const readable = await c.visible('registered_model')
      const page = await approvals.list({
        ...(r.name !== undefined && { name: r.name }),
        ...(r.status !== undefined && { status: r.status }),
        ...(r.max_results !== undefined && { maxResults: r.max_results }),
        ...(r.page_token !== undefined && { pageToken: r.page_token }),
        ...(readable && { readable }),
      })
      return {
        requests: page.items.map(aliasRequestToWire),
        ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
      }
    })
}
