/**
 * The auth store contract: users, roles and their grants, role assignments, each user's direct
 * grants (kept, as in MLflow, on a hidden per-user role `__user_<id>__`), and tokens (personal
 * access tokens and browser sessions, their secrets stored only as SHA-256). Stores persist and
 * keep unique what must be; validation and MLflow's rules live in the services. Every
 * implementation runs test/conformance/auth-store-conformance.ts.
 */
import type { Grant, PermissionName, ResourceType } from './permissions.js'

export interface StoredUser {
  readonly id: number
  readonly username: string
  readonly passwordHash: string
  readonly isAdmin: boolean
  readonly createdTime: number
}

export interface RolePermission {
  readonly id: number
  readonly roleId: number
  readonly resourceType: ResourceType
  readonly resourcePattern: string
  readonly permission: PermissionName
}

export interface Role {
  readonly id: number
  readonly name: string
  readonly workspace: string
  readonly description: string | null
  readonly permissions: readonly RolePermission[]
}

/** A grant someone holds on one resource, directly or through a role (the resource's access list). */
export interface ResourceGrant {
  readonly username: string
  /** The role it comes through; undefined for the user's own direct grant. */
  readonly roleName: string | undefined
  /** The resource's id, or `*` (every resource of the type). */
  readonly resourcePattern: string
  readonly permission: PermissionName
}

export interface RoleAssignment {
  readonly id: number
  readonly userId: number
  readonly roleId: number
}

export type TokenKind = 'token' | 'session'

export interface StoredToken {
  /** The public part of the token, used to find it. */
  readonly tokenId: string
  readonly userId: number
  readonly kind: TokenKind
  readonly name: string
  /** SHA-256 (hex) of the secret part. */
  readonly secretHash: string
  readonly createdTime: number
  readonly expiresTime: number
  readonly lastUsedTime: number | null
  readonly revokedTime: number | null
}

/** The workspace every role lives in: keel has no workspaces yet, MLflow's default one. */
export const DEFAULT_WORKSPACE = 'default'

export interface AuthStore {
  /** Throws RESOURCE_ALREADY_EXISTS when the name is taken. */
  createUser(username: string, passwordHash: string, isAdmin: boolean, time: number): Promise<StoredUser>
  getUser(username: string): Promise<StoredUser | undefined>
  getUserById(id: number): Promise<StoredUser | undefined>
  listUsers(): Promise<StoredUser[]>
  /** Throws RESOURCE_DOES_NOT_EXIST for an unknown user. */
  updateUser(
    username: string,
    change: { readonly passwordHash?: string; readonly isAdmin?: boolean },
  ): Promise<StoredUser>
  /** Deletes the user, their direct grants, role assignments and tokens. */
  deleteUser(username: string): Promise<void>

  /** Throws RESOURCE_ALREADY_EXISTS when the workspace has a role of that name. */
  createRole(name: string, workspace: string, description: string | null): Promise<Role>
  getRole(id: number): Promise<Role | undefined>
  /** Roles of the given workspaces (all when omitted), the hidden per-user roles excluded. */
  listRoles(workspaces?: readonly string[]): Promise<Role[]>
  updateRole(id: number, change: { readonly name?: string; readonly description?: string }): Promise<Role>
  /** Deletes the role with its grants and assignments. */
  deleteRole(id: number): Promise<void>
  /** Throws RESOURCE_ALREADY_EXISTS when the role already has a grant on that type and pattern. */
  addRolePermission(
    roleId: number,
    resourceType: ResourceType,
    pattern: string,
    permission: PermissionName,
  ): Promise<RolePermission>
  getRolePermission(id: number): Promise<RolePermission | undefined>
  updateRolePermission(id: number, permission: PermissionName): Promise<RolePermission>
  removeRolePermission(id: number): Promise<void>
  /** Throws RESOURCE_ALREADY_EXISTS when the user already holds the role. */
  assignRole(userId: number, roleId: number): Promise<RoleAssignment>
  /** Returns false when the user did not hold the role. */
  unassignRole(userId: number, roleId: number): Promise<boolean>
  /** Every role the user holds, their hidden per-user role included. */
  listUserRoles(userId: number): Promise<Role[]>
  listRoleUsers(roleId: number): Promise<RoleAssignment[]>

  /**
   * A direct grant on the user's hidden role. An existing grant on that resource is replaced with
   * `upsert` (a creator's MANAGE), else refused with RESOURCE_ALREADY_EXISTS.
   */
  grantUserPermission(
    userId: number,
    resourceType: ResourceType,
    pattern: string,
    permission: PermissionName,
    upsert?: boolean,
  ): Promise<void>
  /** Returns false when the user had no direct grant on that resource. */
  revokeUserPermission(userId: number, resourceType: ResourceType, pattern: string): Promise<boolean>
  /** Removes every direct grant on a resource (a deleted registered model: its name may come back). */
  deleteGrantsForResource(resourceType: ResourceType, pattern: string): Promise<void>
  /** Moves every direct grant to a resource's new id (a renamed registered model). */
  renameGrantsForResource(resourceType: ResourceType, oldPattern: string, newPattern: string): Promise<void>
  /**
   * Who holds what on one resource: every user's grants on that id or on `*` of its type, through
   * any role, by user name then pattern.
   */
  listResourceGrants(resourceType: ResourceType, resourceId: string): Promise<ResourceGrant[]>
  /** Every grant the user holds through any role, on the given types plus the workspace slot. */
  listGrants(userId: number, types: readonly ResourceType[]): Promise<Grant[]>

  createToken(token: Omit<StoredToken, 'lastUsedTime' | 'revokedTime'>): Promise<void>
  getToken(tokenId: string): Promise<StoredToken | undefined>
  listTokens(userId: number, kind: TokenKind): Promise<StoredToken[]>
  /** Returns false when there was no such live token. */
  revokeToken(tokenId: string, time: number): Promise<boolean>
  touchToken(tokenId: string, time: number): Promise<void>
}
