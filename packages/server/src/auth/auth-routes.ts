/**
 * MLflow's basic-auth REST API (users, per-user grants, roles) and keel's sign-in, tokens and audit
 * log: wire requests in, services called, wire shapes out. Who may call each is in the route
 * table; what remains here are the rules that depend on the answer (a self-service password
 * change, what a non-admin sees of other users' roles).
 */
import { KeelError, authApi as api, type RoleWire, type TokenInfoWire, type UserWire } from '@keel/contracts'
import type { RequestContext, RpcRouter } from '../http/rpc.js'
import type { AccessService } from './access-service.js'
import { SESSION_COOKIE } from './access-guard.js'
import type { AuditLog, AuditRecord } from './audit-log.js'
import type { AuthService } from './auth-service.js'
import type { Role, StoredToken, StoredUser } from './auth-store.js'

export interface AuthRouteServices {
  /** Undefined: authentication is off (the identity routes then say so, and manage nothing). */
  readonly auth: AuthService | undefined
  readonly access: AccessService
  readonly audit: AuditLog
}

const userToWire = (u: StoredUser): UserWire => ({ id: u.id, username: u.username, is_admin: u.isAdmin })

const roleToWire = (r: Role): RoleWire => ({
  id: r.id,
  name: r.name,
  workspace: r.workspace,
  description: r.description,
  permissions: r.permissions.map((p) => ({
    id: p.id,
    role_id: p.roleId,
    resource_type: p.resourceType,
    resource_pattern: p.resourcePattern,
    permission: p.permission,
  })),
})

const tokenToWire = (t: StoredToken): TokenInfoWire => ({
  token_id: t.tokenId,
  name: t.name,
  created_time: t.createdTime,
  expires_time: t.expiresTime,
  ...(t.lastUsedTime !== null && { last_used_time: t.lastUsedTime }),
  ...(t.revokedTime !== null && { revoked_time: t.revokedTime }),
})

const auditToWire = (r: AuditRecord) => ({
  seq: r.seq,
  timestamp_ms: r.timestampMs,
  actor: r.actor,
  authenticated: r.authenticated,
  address: r.address,
  method: r.method,
  path: r.path,
  action: r.action,
  ...(r.resource !== undefined && { resource: { ...r.resource } }),
  status: r.status,
  request_id: r.requestId,
})

function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`
}

export function mountAuthRoutes(router: RpcRouter, { auth, access, audit }: AuthRouteServices): void {
  const identities = (): AuthService => {
    if (!auth)
      throw new KeelError(
        'ENDPOINT_NOT_FOUND',
        'Authentication is off on this server: start it with `keel server --app-name basic-auth` to manage users and tokens.',
      )
    return auth
  }
  const me = async (c: RequestContext): Promise<StoredUser> => identities().getUserById(c.principal.userId!)
  const user = (username: string) => identities().getUser(username)

  router
    .add(api.createUser, async (r) => ({ user: userToWire(await identities().createUser(r.username, r.password)) }))
    .add(api.getUser, async (r) => ({ user: userToWire(await user(r.username)) }))
    .add(api.listUsers, async (_r, c) => {
      const users = await identities().listUsers()
      return {
        users: await Promise.all(
          users.map(async (u) => ({
            ...userToWire(u),
            // Roles are an admin's business, or the user's own.
            roles:
              c.principal.isAdmin || u.username === c.principal.username
                ? (await access.listUserRoles(u)).map(roleToWire)
                : [],
          })),
        ),
      }
    })
    .add(api.currentUser, async (_r, c) => ({ user: userToWire(await me(c)), is_basic_auth: true }))
    .add(api.updateUserPassword, async (r, c) => {
      await identities().updatePassword(c.principal, r.username, r.password, r.current_password)
      return {}
    })
    .add(api.updateUserAdmin, async (r) => {
      await identities().updateAdmin(r.username, r.is_admin)
      return {}
    })
    .add(api.deleteUser, async (r, c) => {
      await identities().deleteUser(c.principal, r.username)
      return {}
    })
    .add(api.listCurrentUserPermissions, async (_r, c) => permissionsOf(await me(c)))
    .add(api.listUserPermissions, async (r) => permissionsOf(await user(r.username)))
    .add(api.grantUserPermission, async (r) => {
      await access.grantUserPermission(await user(r.username), r.resource_type, r.resource_id, r.permission)
      return {}
    })
    .add(api.revokeUserPermission, async (r) => {
      await access.revokeUserPermission(await user(r.username), r.resource_type, r.resource_id)
      return {}
    })
    .add(api.getUserPermission, async (r) =>
      access.userPermission(await user(r.username), r.resource_type, r.resource_id),
    )
    .add(api.setUserPermission, async (r) => {
      await access.setUserPermission(await user(r.username), r.resource_type, r.resource_id, r.permission)
      return {}
    })
    .add(api.listResourceGrants, async (r) => ({
      grants: (await access.resourceGrants(r.resource_type, r.resource_id)).map((g) => ({
        username: g.username,
        ...(g.roleName !== undefined && { role_name: g.roleName }),
        resource_pattern: g.resourcePattern,
        permission: g.permission,
      })),
    }))

    .add(api.createRole, async (r) => ({
      role: roleToWire(await access.createRole(r.name, r.workspace, r.description)),
    }))
    .add(api.getRole, async (r) => ({ role: roleToWire(await access.getRole(r.role_id)) }))
    .add(api.listRoles, async (r, c) => {
      if (r.workspace === undefined && !c.principal.isAdmin)
        throw new KeelError(
          'PERMISSION_DENIED',
          'Permission denied: listing the roles of every workspace is for admins; name a workspace.',
        )
      return { roles: (await access.listRoles(r.workspace)).map(roleToWire) }
    })
    .add(api.updateRole, async (r) => ({ role: roleToWire(await access.updateRole(r.role_id, r.name, r.description)) }))
    .add(api.deleteRole, async (r) => {
      await access.deleteRole(r.role_id)
      return {}
    })
    .add(api.addRolePermission, async (r) => ({
      role_permission: permissionToWire(
        await access.addRolePermission(r.role_id, r.resource_type, r.resource_pattern, r.permission),
      ),
    }))
    .add(api.removeRolePermission, async (r) => {
      await access.removeRolePermission(r.role_permission_id)
      return {}
    })
    .add(api.listRolePermissions, async (r) => ({
      role_permissions: (await access.listRolePermissions(r.role_id)).map(permissionToWire),
    }))
    .add(api.updateRolePermission, async (r) => ({
      role_permission: permissionToWire(await access.updateRolePermission(r.role_permission_id, r.permission)),
    }))
    .add(api.assignRole, async (r) => {
      const a = await access.assignRole(await user(r.username), r.role_id)
      return { assignment: { id: a.id, user_id: a.userId, role_id: a.roleId } }
    })
    .add(api.unassignRole, async (r) => {
      await access.unassignRole(await user(r.username), r.role_id)
      return {}
    })
    .add(api.listUserRoles, async (r) => ({
      roles: (await access.listUserRoles(await user(r.username))).map(roleToWire),
    }))
    .add(api.listRoleUsers, async (r) => ({
      assignments: (await access.listRoleUsers(r.role_id)).map((a) => ({
        id: a.id,
        user_id: a.userId,
        role_id: a.roleId,
      })),
    }))

    .add(api.whoAmI, async (_r, c) => {
      if (!auth) return { auth_enabled: false, user: { id: 0, username: c.principal.username, is_admin: true } }
      const signedIn = c.principal.userId !== undefined ? await auth.store.getUserById(c.principal.userId) : undefined
      return {
        auth_enabled: true,
        default_permission: access.defaultPermission,
        ...(signedIn && { user: userToWire(signedIn) }),
      }
    })
    .add(api.signIn, async (r, c) => {
      const service = identities()
      const principal = await service.authenticatePassword(r.username, r.password)
      if (!principal) throw new KeelError('UNAUTHENTICATED', 'Wrong user name or password.')
      const { token, info } = await service.createSession(principal.userId!, c.header('user-agent'))
      c.setHeader(
        'Set-Cookie',
        sessionCookie(token, Math.floor((info.expiresTime - info.createdTime) / 1000), isHttps(c)),
      )
      return { user: userToWire(await service.getUserById(principal.userId!)) }
    })
    .add(api.signOut, async (_r, c) => {
      if (auth && c.principal.via === 'session' && c.principal.tokenId) await auth.endSession(c.principal.tokenId)
      c.setHeader('Set-Cookie', sessionCookie('', 0, isHttps(c)))
      return {}
    })
    .add(api.createToken, async (r, c) => {
      const { token, info } = await identities().createToken((await me(c)).id, r.name, r.expires_in_days)
      return { token, token_info: tokenToWire(info) }
    })
    .add(api.listTokens, async (r, c) => {
      const owner = r.username !== undefined ? await user(r.username) : await me(c)
      return { tokens: (await identities().listTokens(owner.id)).map(tokenToWire) }
    })
    .add(api.revokeToken, async (r, c) => {
      await identities().revokeToken(c.principal, r.token_id)
      return {}
    })
    .add(api.searchAudit, async (r) => {
      const page = await audit.search({
        ...(r.actor !== undefined && { actor: r.actor }),
        ...(r.start_time !== undefined && { startTime: r.start_time }),
        ...(r.end_time !== undefined && { endTime: r.end_time }),
        ...(r.max_results !== undefined && { maxResults: r.max_results }),
        ...(r.page_token !== undefined && { pageToken: r.page_token }),
      })
      return {
        records: page.records.map(auditToWire),
        ...(page.nextPageToken !== undefined && { next_page_token: page.nextPageToken }),
      }
    })

  async function permissionsOf(u: StoredUser) {
    const rows = await access.userPermissionRows(u)
    return {
      is_admin: u.isAdmin,
      permissions: rows.map((p) => ({
        role_id: p.roleId,
        role_name: p.roleName,
        workspace: p.workspace,
        resource_type: p.resourceType,
        resource_pattern: p.resourcePattern,
        permission: p.permission,
      })),
    }
  }
}

const permissionToWire = (p: Role['permissions'][number]) => ({
  id: p.id,
  role_id: p.roleId,
  resource_type: p.resourceType,
  resource_pattern: p.resourcePattern,
  permission: p.permission,
})

/** Behind a TLS-terminating proxy the browser speaks https: the cookie is then Secure. */
const isHttps = (c: RequestContext) => c.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https'
