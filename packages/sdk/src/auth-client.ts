/**
 * `AuthClient`: users, permissions, roles, personal access tokens and the audit log of a server
 * with authentication on (MLflow's basic-auth API, as `mlflow.server.get_app_client("basic-auth")`
 * offers it, plus keel's tokens and audit log). snake_case stays inside.
 */
import { authApi as api } from '@keel/contracts'
import { HttpClient, type HttpOptions } from './http.js'

export interface User {
  readonly id: number
  readonly username: string
  readonly isAdmin: boolean
}

export interface RolePermission {
  readonly id: number
  readonly roleId: number
  readonly resourceType: string
  readonly resourcePattern: string
  readonly permission: string
}

export interface Role {
  readonly id: number
  readonly name: string
  readonly workspace: string
  readonly description?: string
  readonly permissions: readonly RolePermission[]
}

export interface UserPermission {
  readonly roleId: number
  readonly roleName: string
  readonly workspace: string
  readonly resourceType: string
  readonly resourcePattern: string
  readonly permission: string
}

export interface ResourceGrant {
  readonly username: string
  /** The role the grant comes through; absent for the user's direct grant. */
  readonly role?: string
  /** The resource's id, or `*` for every resource of its type. */
  readonly resourcePattern: string
  readonly permission: string
}

export interface TokenInfo {
  readonly tokenId: string
  readonly name: string
  readonly createdTime: number
  readonly expiresTime: number
  readonly lastUsedTime?: number
  readonly revokedTime?: number
}

export interface AuditRecord {
  readonly seq: number
  readonly timestampMs: number
  readonly actor: string
  readonly authenticated: boolean
  readonly address: string
  readonly method: string
  readonly path: string
  readonly action: string
  readonly resource?: Readonly<Record<string, string>>
  readonly status: number
  readonly requestId: string
}

const user = (w: { id: number; username: string; is_admin: boolean }): User => ({
  id: w.id,
  username: w.username,
  isAdmin: w.is_admin,
})
const rolePermission = (p: {
  id: number
  role_id: number
  resource_type: string
  resource_pattern: string
  permission: string
}): RolePermission => ({
  id: p.id,
  roleId: p.role_id,
  resourceType: p.resource_type,
  resourcePattern: p.resource_pattern,
  permission: p.permission,
})
const role = (r: {
  id: number
  name: string
  workspace: string
  description?: string | null | undefined
  permissions?: Parameters<typeof rolePermission>[0][] | undefined
}): Role => ({
  id: r.id,
  name: r.name,
  workspace: r.workspace,
  ...(r.description != null && { description: r.description }),
  permissions: (r.permissions ?? []).map(rolePermission),
})
const token = (t: {
  token_id: string
  name: string
  created_time: number
  expires_time: number
  last_used_time?: number | undefined
  revoked_time?: number | undefined
}): TokenInfo => ({
  tokenId: t.token_id,
  name: t.name,
  createdTime: t.created_time,
  expiresTime: t.expires_time,
  ...(t.last_used_time !== undefined && { lastUsedTime: t.last_used_time }),
  ...(t.revoked_time !== undefined && { revokedTime: t.revoked_time }),
})

export class AuthClient {
  readonly http: HttpClient

  constructor(options: HttpOptions | HttpClient = {}) {
    this.http = options instanceof HttpClient ? options : new HttpClient(options)
  }

  /** Whether the server asks for credentials, and who the caller is. */
  async whoAmI(): Promise<{ authEnabled: boolean; user?: User; defaultPermission?: string }> {
    const res = await this.http.call(api.whoAmI, {})
    return {
      authEnabled: res.auth_enabled,
      ...(res.user && { user: user(res.user) }),
      ...(res.default_permission !== undefined && { defaultPermission: res.default_permission }),
    }
  }

  async currentUser(): Promise<User> {
    return user((await this.http.call(api.currentUser, {})).user)
  }

  async createUser(username: string, password: string): Promise<User> {
    return user((await this.http.call(api.createUser, { username, password })).user)
  }

  async getUser(username: string): Promise<User> {
    return user((await this.http.call(api.getUser, { username })).user)
  }

  async listUsers(): Promise<(User & { roles: Role[] })[]> {
    return (await this.http.call(api.listUsers, {})).users.map((u) => ({
      ...user(u),
      roles: (u.roles ?? []).map(role),
    }))
  }

  async updatePassword(username: string, password: string, currentPassword?: string): Promise<void> {
    await this.http.call(api.updateUserPassword, { username, password, current_password: currentPassword })
  }

  async updateAdmin(username: string, isAdmin: boolean): Promise<void> {
    await this.http.call(api.updateUserAdmin, { username, is_admin: isAdmin })
  }

  async deleteUser(username: string): Promise<void> {
    await this.http.call(api.deleteUser, { username })
  }

  /** A user's grants through every role (their own: no username). */
  async listPermissions(username?: string): Promise<{ isAdmin: boolean; permissions: UserPermission[] }> {
    const res =
      username === undefined
        ? await this.http.call(api.listCurrentUserPermissions, {})
        : await this.http.call(api.listUserPermissions, { username })
    return {
      isAdmin: res.is_admin,
      permissions: res.permissions.map((p) => ({
        roleId: p.role_id,
        roleName: p.role_name,
        workspace: p.workspace,
        resourceType: p.resource_type,
        resourcePattern: p.resource_pattern,
        permission: p.permission,
      })),
    }
  }

  async grantPermission(username: string, resourceType: string, resourceId: string, permission: string): Promise<void> {
    await this.http.call(api.grantUserPermission, {
      username,
      resource_type: resourceType,
      resource_id: resourceId,
      permission,
    })
  }

  /** Sets a user's permission on a resource, replacing a grant they hold there, in one step. */
  async setPermission(username: string, resourceType: string, resourceId: string, permission: string): Promise<void> {
    await this.http.call(api.setUserPermission, {
      username,
      resource_type: resourceType,
      resource_id: resourceId,
      permission,
    })
  }

  /** Who holds what on a resource (its id or `*`), directly (`role` undefined) or through a role. */
  async listResourceGrants(resourceType: string, resourceId: string): Promise<ResourceGrant[]> {
    const res = await this.http.call(api.listResourceGrants, { resource_type: resourceType, resource_id: resourceId })
    return res.grants.map((g) => ({
      username: g.username,
      ...(g.role_name !== undefined && { role: g.role_name }),
      resourcePattern: g.resource_pattern,
      permission: g.permission,
    }))
  }

  async revokePermission(username: string, resourceType: string, resourceId: string): Promise<void> {
    await this.http.call(api.revokeUserPermission, { username, resource_type: resourceType, resource_id: resourceId })
  }

  /** A user's effective permission on a resource; `allowed` says whether it lets them use it. */
  async getPermission(
    username: string,
    resourceType: string,
    resourceId: string,
  ): Promise<{ allowed: boolean; permission: string }> {
    return this.http.call(api.getUserPermission, { username, resource_type: resourceType, resource_id: resourceId })
  }

  async createRole(name: string, options: { workspace?: string; description?: string } = {}): Promise<Role> {
    return role(
      (
        await this.http.call(api.createRole, {
          workspace: options.workspace ?? 'default',
          name,
          description: options.description,
        })
      ).role,
    )
  }

  async listRoles(workspace = 'default'): Promise<Role[]> {
    return (await this.http.call(api.listRoles, { workspace: [workspace] })).roles.map(role)
  }

  async deleteRole(roleId: number): Promise<void> {
    await this.http.call(api.deleteRole, { role_id: roleId })
  }

  async addRolePermission(
    roleId: number,
    resourceType: string,
    resourcePattern: string,
    permission: string,
  ): Promise<RolePermission> {
    return rolePermission(
      (
        await this.http.call(api.addRolePermission, {
          role_id: roleId,
          resource_type: resourceType,
          resource_pattern: resourcePattern,
          permission,
        })
      ).role_permission,
    )
  }

  async assignRole(username: string, roleId: number): Promise<void> {
    await this.http.call(api.assignRole, { username, role_id: roleId })
  }

  async unassignRole(username: string, roleId: number): Promise<void> {
    await this.http.call(api.unassignRole, { username, role_id: roleId })
  }

  /** A personal access token for the caller (MLFLOW_TRACKING_TOKEN); the secret is returned only here. */
  async createToken(name: string, expiresInDays?: number): Promise<{ token: string; info: TokenInfo }> {
    const res = await this.http.call(api.createToken, { name, expires_in_days: expiresInDays })
    return { token: res.token, info: token(res.token_info) }
  }

  async listTokens(username?: string): Promise<TokenInfo[]> {
    return (await this.http.call(api.listTokens, { username })).tokens.map(token)
  }

  async revokeToken(tokenId: string): Promise<void> {
    await this.http.call(api.revokeToken, { token_id: tokenId })
  }

  /** The audit log of writes, oldest first (admins). */
  async searchAudit(
    options: { actor?: string; startTime?: number; endTime?: number; maxResults?: number; pageToken?: string } = {},
  ): Promise<{ records: AuditRecord[]; nextPageToken?: string }> {
    const res = await this.http.call(api.searchAudit, {
      actor: options.actor,
      start_time: options.startTime,
      end_time: options.endTime,
      max_results: options.maxResults,
      page_token: options.pageToken,
    })
    return {
      records: res.records.map((r) => ({
        seq: r.seq,
        timestampMs: r.timestamp_ms,
        actor: r.actor,
        authenticated: r.authenticated,
        address: r.address,
        method: r.method,
        path: r.path,
        action: r.action,
        ...(r.resource !== undefined && { resource: r.resource }),
        status: r.status,
        requestId: r.request_id,
      })),
      ...(res.next_page_token !== undefined && { nextPageToken: res.next_page_token }),
    }
  }
}
