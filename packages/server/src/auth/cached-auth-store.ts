/**
 * The auth store's hot reads (a user by name or id, a user's grants, a token), answered from
 * memory for a short time, so that an authenticated request does not pay three queries before
 * its own work. Every write through this store empties the cache at once, so in one process a
 * revoked token, a changed password or a removed grant takes effect on the next request; other
 * processes of the same database (`keel server --workers N`) see it within `ttlMs` (1 s by
 * default), the bound MLflow's own optional credential cache documents as its staleness.
 */
import type { Grant, PermissionName, ResourceType } from './permissions.js'
import type {
  AuthStore,
  ResourceGrant,
  Role,
  RoleAssignment,
  RolePermission,
  StoredToken,
  StoredUser,
  TokenKind,
} from './auth-store.js'

export const DEFAULT_AUTH_CACHE_TTL_MS = 1_000
const MAX_ENTRIES = 10_000

class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>()
  /** Bumped by clear(): a read that started before a write must not cache what it read. */
  private generation = 0

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key)
    const now = this.now()
    if (hit !== undefined && hit.until > now) return hit.value
    const generation = this.generation
    const value = await load()
    if (generation !== this.generation) return value
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear()
    this.entries.set(key, { value, until: now + this.ttlMs })
    return value
  }

  clear(): void {
    this.generation++
    this.entries.clear()
  }
}

export class CachedAuthStore implements AuthStore {
  private readonly users: TtlCache<StoredUser | undefined>
  private readonly grants: TtlCache<Grant[]>
  private readonly tokens: TtlCache<StoredToken | undefined>

  constructor(
    private readonly inner: AuthStore,
    options: { ttlMs?: number; now?: () => number } = {},
  ) {
    const ttl = options.ttlMs ?? DEFAULT_AUTH_CACHE_TTL_MS
    const now = options.now ?? Date.now
    this.users = new TtlCache(ttl, now)
    this.grants = new TtlCache(ttl, now)
    this.tokens = new TtlCache(ttl, now)
  }

  /** Empties every cache before and after any write, whatever it changed. */
  private async write<T>(change: () => Promise<T>): Promise<T> {
    this.clear()
    try {
      return await change()
    } finally {
      this.clear()
    }
  }

  private clear(): void {
    this.users.clear()
    this.grants.clear()
    this.tokens.clear()
  }

  // ---- cached reads ----

  getUser(username: string): Promise<StoredUser | undefined> {
    return this.users.get(`n:${username}`, () => this.inner.getUser(username))
  }

  getUserById(id: number): Promise<StoredUser | undefined> {
    return this.users.get(`i:${id}`, () => this.inner.getUserById(id))
  }

  async listGrants(userId: number, types: readonly ResourceType[]): Promise<Grant[]> {
    // Callers get their own array: the cached one must not be changed through it.
    return [
      ...(await this.grants.get(`${userId}:${[...types].sort().join(',')}`, () =>
        this.inner.listGrants(userId, types),
      )),
    ]
  }

  getToken(tokenId: string): Promise<StoredToken | undefined> {
    return this.tokens.get(tokenId, () => this.inner.getToken(tokenId))
  }

  // ---- reads that are not on a request's hot path ----

  listUsers(): Promise<StoredUser[]> {
    return this.inner.listUsers()
  }
  getRole(id: number): Promise<Role | undefined> {
    return this.inner.getRole(id)
  }
  listRoles(workspaces?: readonly string[]): Promise<Role[]> {
    return this.inner.listRoles(workspaces)
  }
  getRolePermission(id: number): Promise<RolePermission | undefined> {
    return this.inner.getRolePermission(id)
  }
  listUserRoles(userId: number): Promise<Role[]> {
    return this.inner.listUserRoles(userId)
  }
  listRoleUsers(roleId: number): Promise<RoleAssignment[]> {
    return this.inner.listRoleUsers(roleId)
  }
  listResourceGrants(resourceType: ResourceType, resourceId: string): Promise<ResourceGrant[]> {
    return this.inner.listResourceGrants(resourceType, resourceId)
  }
  listTokens(userId: number, kind: TokenKind): Promise<StoredToken[]> {
    return this.inner.listTokens(userId, kind)
  }

  // ---- writes: each empties the caches ----

  createUser(username: string, passwordHash: string, isAdmin: boolean, time: number): Promise<StoredUser> {
    return this.write(() => this.inner.createUser(username, passwordHash, isAdmin, time))
  }
  updateUser(
    username: string,
    change: { readonly passwordHash?: string; readonly isAdmin?: boolean },
  ): Promise<StoredUser> {
    return this.write(() => this.inner.updateUser(username, change))
  }
  deleteUser(username: string): Promise<void> {
    return this.write(() => this.inner.deleteUser(username))
  }
  createRole(name: string, workspace: string, description: string | null): Promise<Role> {
    return this.write(() => this.inner.createRole(name, workspace, description))
  }
  updateRole(id: number, change: { readonly name?: string; readonly description?: string }): Promise<Role> {
    return this.write(() => this.inner.updateRole(id, change))
  }
  deleteRole(id: number): Promise<void> {
    return this.write(() => this.inner.deleteRole(id))
  }
  addRolePermission(
    roleId: number,
    resourceType: ResourceType,
    pattern: string,
    permission: PermissionName,
  ): Promise<RolePermission> {
    return this.write(() => this.inner.addRolePermission(roleId, resourceType, pattern, permission))
  }
  updateRolePermission(id: number, permission: PermissionName): Promise<RolePermission> {
    return this.write(() => this.inner.updateRolePermission(id, permission))
  }
  removeRolePermission(id: number): Promise<void> {
    return this.write(() => this.inner.removeRolePermission(id))
  }
  assignRole(userId: number, roleId: number): Promise<RoleAssignment> {
    return this.write(() => this.inner.assignRole(userId, roleId))
  }
  unassignRole(userId: number, roleId: number): Promise<boolean> {
    return this.write(() => this.inner.unassignRole(userId, roleId))
  }
  grantUserPermission(
    userId: number,
    resourceType: ResourceType,
    pattern: string,
    permission: PermissionName,
    upsert?: boolean,
  ): Promise<void> {
    return this.write(() => this.inner.grantUserPermission(userId, resourceType, pattern, permission, upsert))
  }
  revokeUserPermission(userId: number, resourceType: ResourceType, pattern: string): Promise<boolean> {
    return this.write(() => this.inner.revokeUserPermission(userId, resourceType, pattern))
  }
  deleteGrantsForResource(resourceType: ResourceType, pattern: string): Promise<void> {
    return this.write(() => this.inner.deleteGrantsForResource(resourceType, pattern))
  }
  renameGrantsForResource(resourceType: ResourceType, oldPattern: string, newPattern: string): Promise<void> {
    return this.write(() => this.inner.renameGrantsForResource(resourceType, oldPattern, newPattern))
  }
  createToken(token: Omit<StoredToken, 'lastUsedTime' | 'revokedTime'>): Promise<void> {
    return this.write(() => this.inner.createToken(token))
  }
  revokeToken(tokenId: string, time: number): Promise<boolean> {
    return this.write(() => this.inner.revokeToken(tokenId, time))
  }
  /** Last use is informational: recording it does not empty the caches. */
  touchToken(tokenId: string, time: number): Promise<void> {
    return this.inner.touchToken(tokenId, time)
  }
}
