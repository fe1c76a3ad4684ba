/**
 * Who may do what: a principal's permission on a resource (MLflow's resolution: admins and
 * workspace admins MANAGE everything, DENY wins, a grant never resolves below the default
 * permission, the default when nothing matches), the checks the route guard makes, what searches
 * may show, and the management of grants and roles with MLflow's rules and messages.
 */
import { KeelError } from '@keel/contracts'
import {
  DEFAULT_WORKSPACE,
  type AuthStore,
  type ResourceGrant,
  type Role,
  type RolePermission,
  type StoredUser,
} from './auth-store.js'
import {
  type Action,
  type GrantableResourceType,
  type PermissionName,
  type ResourceType,
  type Visibility,
  allows,
  checkGrantable,
  checkPattern,
  effectivePermission,
  isWorkspaceAdmin,
  parseResourceType,
  readableResources,
} from './permissions.js'
import type { Principal } from './principal.js'

const ACTION_NEEDS: Record<Action, PermissionName> = {
  read: 'READ',
  use: 'USE',
  update: 'EDIT',
  delete: 'MANAGE',
  manage: 'MANAGE',
}

const LABEL: Record<GrantableResourceType, string> = {
  experiment: 'experiment',
  registered_model: 'registered model',
  deployment: 'deployment',
}

export interface UserPermissionRow {
  readonly roleId: number
  readonly roleName: string
  readonly workspace: string
  readonly resourceType: string
  readonly resourcePattern: string
  readonly permission: string
}

export class AccessService {
  constructor(
    private readonly store: AuthStore,
    readonly defaultPermission: PermissionName,
  ) {}

  /** The principal's permission on one resource. */
  async permission(principal: Principal, type: GrantableResourceType, id: string): Promise<PermissionName> {
    if (principal.isAdmin || principal.userId === undefined) return 'MANAGE'
    return effectivePermission(await this.store.listGrants(principal.userId, [type]), type, id, this.defaultPermission)
  }

  /** Throws PERMISSION_DENIED, naming what was needed and what the caller has. */
  async check(principal: Principal, type: GrantableResourceType, id: string, action: Action): Promise<void> {
    const permission = await this.permission(principal, type, id)
    if (allows(permission, action)) return
    throw new KeelError(
      'PERMISSION_DENIED',
      `Permission denied: ${principal.username} needs ${ACTION_NEEDS[action]} on ${LABEL[type]} '${id.length > 200 ? `${id.slice(0, 200)}…` : id}' to ${action} it (has ${permission}).`,
    )
  }

  /** What a search may show the principal; undefined: everything. */
  async visibility(principal: Principal, type: GrantableResourceType): Promise<Visibility | undefined> {
    if (principal.isAdmin || principal.userId === undefined) return undefined
    return readableResources(await this.store.listGrants(principal.userId, [type]), type, this.defaultPermission)
  }

  /**
   * Anyone signed in may create, unless a DENY on every resource of the type, or on the name the
   * request asks for (a registered model's), says otherwise: MLflow's _create_not_denied.
   */
  async checkCreate(principal: Principal, type: GrantableResourceType, id?: string): Promise<void> {
    if (principal.isAdmin || principal.userId === undefined) return
    const grants = await this.store.listGrants(principal.userId, [type])
    if (isWorkspaceAdmin(grants)) return
    const denied = (g: { resourceType: string; resourcePattern: string; permission: string }) =>
      g.resourceType === type &&
      (g.resourcePattern === '*' || (id !== undefined && g.resourcePattern === id)) &&
      g.permission === 'DENY'
    if (grants.some(denied)) {
      throw new KeelError(
        'PERMISSION_DENIED',
        `Permission denied: ${principal.username} may not create a ${LABEL[type]}.`,
      )
    }
  }

  // ---- lifecycle of resources ----

  /** The creator of a resource manages it (MLflow's after-request grant). */
  async created(principal: Principal, type: GrantableResourceType, id: string): Promise<void> {
    if (principal.userId === undefined) return
    await this.store.grantUserPermission(principal.userId, type, id, 'MANAGE', true)
  }

  /** A deleted resource whose id can come back (a model name) loses its grants. */
  deleted(type: GrantableResourceType, id: string): Promise<void> {
    return this.store.deleteGrantsForResource(type, id)
  }

  renamed(type: GrantableResourceType, from: string, to: string): Promise<void> {
    return this.store.renameGrantsForResource(type, from, to)
  }

  // ---- per-user grants (MLflow's users/permissions/* routes) ----

  private grantTarget(resourceType: unknown, resourceId: unknown): { type: GrantableResourceType; id: string } {
    const type = parseResourceType(resourceType)
    if (type === 'workspace') {
      throw KeelError.invalid(
        "resource_type 'workspace' is not supported by the per-user permission convenience APIs. Use a role with a ('workspace', '*') grant instead.",
      )
    }
    return { type, id: checkPattern(resourceId, type) }
  }

  /** Grants and revokes need MANAGE on the resource; a grant on every resource (`*`) needs an admin. */
  async checkManageGrant(principal: Principal, resourceType: unknown, resourceId: unknown): Promise<void> {
    const { type, id } = this.grantTarget(resourceType, resourceId)
    if (id === '*') {
      if (principal.isAdmin) return
      if (principal.userId !== undefined && isWorkspaceAdmin(await this.store.listGrants(principal.userId, []))) return
      throw new KeelError(
        'PERMISSION_DENIED',
        `Permission denied: only admins and workspace admins may grant on every ${LABEL[type]} ('*').`,
      )
    }
    await this.check(principal, type, id, 'manage')
  }

  async grantUserPermission(
    user: StoredUser,
    resourceType: unknown,
    resourceId: unknown,
    permission: unknown,
  ): Promise<void> {
    const { type, id } = this.grantTarget(resourceType, resourceId)
    await this.store.grantUserPermission(user.id, type, id, checkGrantable(permission, type))
  }

  /** Sets a user's direct grant on a resource, replacing one they hold, in one write (keel's). */
  async setUserPermission(
    user: StoredUser,
    resourceType: unknown,
    resourceId: unknown,
    permission: unknown,
  ): Promise<void> {
    const { type, id } = this.grantTarget(resourceType, resourceId)
    await this.store.grantUserPermission(user.id, type, id, checkGrantable(permission, type), true)
  }

  /** Who holds what on one resource (its id, or `*` of its type), through any role. */
  async resourceGrants(resourceType: unknown, resourceId: unknown): Promise<ResourceGrant[]> {
    const { type, id } = this.grantTarget(resourceType, resourceId)
    return this.store.listResourceGrants(type, id)
  }

  async revokeUserPermission(user: StoredUser, resourceType: unknown, resourceId: unknown): Promise<void> {
    const { type, id } = this.grantTarget(resourceType, resourceId)
    if (!(await this.store.revokeUserPermission(user.id, type, id))) {
      throw KeelError.notFound(
        `Permission for user=${user.username} on resource_type=${type}, resource_id=${id} not found.`,
      )
    }
  }

  /** A user's effective permission, as a request of theirs would resolve it. */
  async userPermission(
    user: StoredUser,
    resourceType: unknown,
    resourceId: unknown,
  ): Promise<{ allowed: boolean; permission: PermissionName }> {
    const { type, id } = this.grantTarget(resourceType, resourceId)
    const permission = await this.permission(
      { username: user.username, userId: user.id, isAdmin: user.isAdmin, authenticated: true },
      type,
      id,
    )
    return { allowed: allows(permission, 'use'), permission }
  }

  async userPermissionRows(user: StoredUser): Promise<UserPermissionRow[]> {
    const roles = await this.store.listUserRoles(user.id)
    return roles.flatMap((role) =>
      role.permissions.map((p) => ({
        roleId: role.id,
        roleName: role.name,
        workspace: role.workspace,
        resourceType: p.resourceType,
        resourcePattern: p.resourcePattern,
        permission: p.permission,
      })),
    )
  }

  // ---- roles (admins) ----

  async createRole(name: unknown, workspace: unknown, description: unknown): Promise<Role> {
    const roleName = checkRoleName(name)
    if (typeof workspace !== 'string' || workspace.trim() === '') throw KeelError.invalid('Workspace cannot be empty.')
    checkWorkspace(workspace)
    if (description !== undefined && description !== null && typeof description !== 'string')
      throw KeelError.invalid('Role description must be a string or null.')
    return this.store.createRole(roleName, workspace, (description as string | null | undefined) ?? null)
  }

  async getRole(id: number): Promise<Role> {
    const role = await this.store.getRole(id)
    if (!role) throw KeelError.notFound(`Role with id=${id} not found`)
    return role
  }

  async listRoles(workspaces: readonly string[] | undefined): Promise<Role[]> {
    for (const w of workspaces ?? [])
      if (w.trim() === '') throw KeelError.invalid("Parameter 'workspace' must be a non-empty string when provided.")
    return this.store.listRoles(workspaces)
  }

  async updateRole(id: number, name: string | undefined, description: string | undefined): Promise<Role> {
    if (name === undefined && description === undefined) {
      throw KeelError.invalid("At least one of 'name' or 'description' must be provided to update a role.")
    }
    return this.store.updateRole(id, {
      ...(name !== undefined && { name: checkRoleName(name) }),
      ...(description !== undefined && { description }),
    })
  }

  async deleteRole(id: number): Promise<void> {
    await this.getRole(id)
    await this.store.deleteRole(id)
  }

  async addRolePermission(
    roleId: number,
    resourceType: unknown,
    pattern: unknown,
    permission: unknown,
  ): Promise<RolePermission> {
    const type = parseResourceType(resourceType)
    const granted = checkGrantable(permission, type)
    return this.store.addRolePermission(roleId, type, checkPattern(pattern, type), granted)
  }

  async updateRolePermission(id: number, permission: unknown): Promise<RolePermission> {
    const existing = await this.store.getRolePermission(id)
    if (!existing) throw KeelError.notFound(`Role permission with id=${id} not found`)
    return this.store.updateRolePermission(id, checkGrantable(permission, existing.resourceType))
  }

  async removeRolePermission(id: number): Promise<void> {
    await this.store.removeRolePermission(id)
  }

  async listRolePermissions(roleId: number): Promise<readonly RolePermission[]> {
    return (await this.getRole(roleId)).permissions
  }

  assignRole(user: StoredUser, roleId: number) {
    return this.store.assignRole(user.id, roleId)
  }

  async unassignRole(user: StoredUser, roleId: number): Promise<void> {
    if (!(await this.store.unassignRole(user.id, roleId))) {
      throw KeelError.notFound(`User role assignment (user_id=${user.id}, role_id=${roleId}) not found`)
    }
  }

  listUserRoles(user: StoredUser): Promise<Role[]> {
    return this.store.listUserRoles(user.id)
  }

  async listRoleUsers(roleId: number) {
    await this.getRole(roleId)
    return this.store.listRoleUsers(roleId)
  }
}

function checkRoleName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw KeelError.invalid('Role name cannot be empty.')
  if (name.startsWith('__user_')) {
    throw KeelError.invalid(
      `Role name '${name}' uses the reserved '__user_' prefix, which is held for the per-user permission representation. Choose a different name.`,
    )
  }
  if (name.length > 256) throw KeelError.invalid('Role name is longer than 256 characters.')
  return name
}

/** keel has one workspace, MLflow's default; a role elsewhere could never apply. */
function checkWorkspace(workspace: string): void {
  if (workspace !== DEFAULT_WORKSPACE) {
    throw KeelError.invalid(
      `keel has no workspaces yet: roles live in MLflow's default workspace '${DEFAULT_WORKSPACE}' (got '${workspace}').`,
    )
  }
}

export type { ResourceType }
