/**
 * The contract of AuthStore (src/auth/auth-store.ts) as executable tests. Every implementation
 * calls `runAuthStoreConformance` with a factory for a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_WORKSPACE, type AuthStore, type StoredToken, type StoredUser } from '../../src/auth/auth-store.js'
import type { Grant } from '../../src/auth/permissions.js'
import { refused } from './refused.js'

export interface AuthStoreHandle {
  readonly store: AuthStore
  close(): Promise<void>
}

const T0 = 1_764_000_000_000
const DAY = 86_400_000

const token = (tokenId: string, userId: number, over: Partial<StoredToken> = {}) => ({
  tokenId,
  userId,
  kind: 'token' as const,
  name: `name of ${tokenId}`,
  secretHash: 'a'.repeat(64),
  createdTime: T0,
  expiresTime: T0 + 30 * DAY,
  ...over,
})

const sorted = (grants: readonly Grant[]) =>
  [...grants].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))

export function runAuthStoreConformance(options: { name: string; newStore: () => Promise<AuthStoreHandle> }): void {
  describe(`AuthStore conformance: ${options.name}`, () => {
    let handle: AuthStoreHandle
    let store: AuthStore
    let ann: StoredUser
    let bob: StoredUser
    beforeEach(async () => {
      handle = await options.newStore()
      store = handle.store
      ann = await store.createUser('ann', 'hash-ann', false, T0)
      bob = await store.createUser('bob', 'hash-bob', true, T0 + 1)
    })
    afterEach(async () => handle.close())

    // ---- users ----

    it('creates users, reads them by name and id, lists them; a taken name is RESOURCE_ALREADY_EXISTS', async () => {
      expect(ann).toEqual({ id: ann.id, username: 'ann', passwordHash: 'hash-ann', isAdmin: false, createdTime: T0 })
      expect(bob).toMatchObject({ username: 'bob', isAdmin: true, createdTime: T0 + 1 })
      expect(bob.id).not.toBe(ann.id)
      expect(await store.getUser('ann')).toEqual(ann)
      expect(await store.getUserById(bob.id)).toEqual(bob)
      expect(await store.getUser('nobody')).toBeUndefined()
      expect(await store.getUserById(bob.id + ann.id + 100)).toBeUndefined()
      const zoe = await store.createUser('zoë 山田', 'h', false, T0 + 2)
      expect(await store.getUser('zoë 山田')).toEqual(zoe)
      expect((await store.listUsers()).map((u) => u.username).sort()).toEqual(['ann', 'bob', 'zoë 山田'])
      await refused(store.createUser('ann', 'other', true, T0 + 3), 'RESOURCE_ALREADY_EXISTS', /ann/)
      expect(await store.getUser('ann')).toEqual(ann)
      expect(await store.listUsers()).toHaveLength(3)
    })

    it('updates a password hash and the admin flag; an unknown user is RESOURCE_DOES_NOT_EXIST', async () => {
      expect(await store.updateUser('ann', { passwordHash: 'hash-2' })).toEqual({ ...ann, passwordHash: 'hash-2' })
      expect(await store.updateUser('ann', { isAdmin: true })).toEqual({
        ...ann,
        passwordHash: 'hash-2',
        isAdmin: true,
      })
      expect(await store.updateUser('ann', { isAdmin: false, passwordHash: 'hash-3' })).toEqual({
        ...ann,
        passwordHash: 'hash-3',
      })
      expect(await store.getUser('ann')).toEqual({ ...ann, passwordHash: 'hash-3' })
      expect(await store.getUser('bob')).toEqual(bob)
      await refused(store.updateUser('nobody', { isAdmin: true }), 'RESOURCE_DOES_NOT_EXIST')
      await refused(store.updateUser('nobody', {}), 'RESOURCE_DOES_NOT_EXIST')
    })

    it("deletes a user with their direct grants, role assignments and tokens, and nobody else's", async () => {
      const role = await store.createRole('readers', DEFAULT_WORKSPACE, null)
      await store.addRolePermission(role.id, 'experiment', '*', 'READ')
      await store.assignRole(ann.id, role.id)
      await store.assignRole(bob.id, role.id)
      await store.grantUserPermission(ann.id, 'experiment', '1', 'MANAGE')
      await store.grantUserPermission(bob.id, 'experiment', '1', 'EDIT')
      await store.createToken(token('t-ann', ann.id))
      await store.createToken(token('s-ann', ann.id, { kind: 'session' }))
      await store.createToken(token('t-bob', bob.id))

      await store.deleteUser('ann')
      expect(await store.getUser('ann')).toBeUndefined()
      expect(await store.getUserById(ann.id)).toBeUndefined()
      expect(await store.listGrants(ann.id, ['experiment'])).toEqual([])
      expect(await store.listUserRoles(ann.id)).toEqual([])
      expect((await store.listRoleUsers(role.id)).map((a) => a.userId)).toEqual([bob.id])
      expect(await store.getToken('t-ann')).toBeUndefined()
      expect(await store.getToken('s-ann')).toBeUndefined()
      // the shared role stays, and so does everything of bob's
      expect((await store.getRole(role.id))?.permissions).toHaveLength(1)
      expect(await store.getToken('t-bob')).toBeDefined()
      expect(sorted(await store.listGrants(bob.id, ['experiment']))).toEqual(
        sorted([
          { resourceType: 'experiment', resourcePattern: '*', permission: 'READ' },
          { resourceType: 'experiment', resourcePattern: '1', permission: 'EDIT' },
        ]),
      )
      // the name is free again, and a new user of that name inherits nothing
      const again = await store.createUser('ann', 'h', false, T0 + 5)
      expect(again.id).not.toBe(ann.id)
      expect(await store.listGrants(again.id, ['experiment'])).toEqual([])
      expect(await store.listTokens(again.id, 'token')).toEqual([])
    })

    // ---- roles ----

    it('creates roles unique per workspace, lists them by workspace without the hidden per-user roles', async () => {
      const readers = await store.createRole('readers', DEFAULT_WORKSPACE, 'may read')
      expect(readers).toEqual({
        id: readers.id,
        name: 'readers',
        workspace: DEFAULT_WORKSPACE,
        description: 'may read',
        permissions: [],
      })
      expect(await store.getRole(readers.id)).toEqual(readers)
      expect(await store.getRole(readers.id + 1000)).toBeUndefined()
      await refused(store.createRole('readers', DEFAULT_WORKSPACE, null), 'RESOURCE_ALREADY_EXISTS', /readers/)
      const elsewhere = await store.createRole('readers', 'team-b', null)
      // a direct grant creates ann's hidden role, which no listing shows
      await store.grantUserPermission(ann.id, 'experiment', '1', 'READ')
      const names = (roles: readonly { name: string; workspace: string }[]) =>
        roles.map((r) => `${r.workspace}/${r.name}`).sort()
      expect(names(await store.listRoles())).toEqual(['default/readers', 'team-b/readers'])
      expect(await store.listRoles([DEFAULT_WORKSPACE])).toEqual([readers])
      expect(await store.listRoles(['team-b', 'nowhere'])).toEqual([elsewhere])
      expect(await store.listRoles([])).toEqual([])
    })

    it('updates a role; a name taken in its workspace is RESOURCE_ALREADY_EXISTS, an unknown role RESOURCE_DOES_NOT_EXIST', async () => {
      const a = await store.createRole('a', DEFAULT_WORKSPACE, 'first')
      await store.createRole('b', DEFAULT_WORKSPACE, null)
      expect(await store.updateRole(a.id, { description: 'second' })).toEqual({ ...a, description: 'second' })
      expect(await store.updateRole(a.id, { name: 'a2' })).toEqual({ ...a, name: 'a2', description: 'second' })
      await refused(store.updateRole(a.id, { name: 'b' }), 'RESOURCE_ALREADY_EXISTS')
      expect((await store.getRole(a.id))?.name).toBe('a2')
      await refused(store.updateRole(a.id + 1000, { name: 'c' }), 'RESOURCE_DOES_NOT_EXIST')
    })

    it('deletes a role with its grants and assignments', async () => {
      const role = await store.createRole('editors', DEFAULT_WORKSPACE, null)
      const grant = await store.addRolePermission(role.id, 'registered_model', '*', 'EDIT')
      await store.assignRole(ann.id, role.id)
      expect(await store.listGrants(ann.id, ['registered_model'])).toHaveLength(1)
      await store.deleteRole(role.id)
      expect(await store.getRole(role.id)).toBeUndefined()
      expect(await store.getRolePermission(grant.id)).toBeUndefined()
      expect(await store.listRoleUsers(role.id)).toEqual([])
      expect(await store.listUserRoles(ann.id)).toEqual([])
      expect(await store.listGrants(ann.id, ['registered_model'])).toEqual([])
      // a new role of the same name starts empty
      const again = await store.createRole('editors', DEFAULT_WORKSPACE, null)
      expect(again.permissions).toEqual([])
      expect(await store.listRoleUsers(again.id)).toEqual([])
    })

    it("adds, reads, updates and removes a role's permissions; a second grant on one type and pattern is refused", async () => {
      const role = await store.createRole('r', DEFAULT_WORKSPACE, null)
      const p = await store.addRolePermission(role.id, 'experiment', '7', 'READ')
      expect(p).toEqual({
        id: p.id,
        roleId: role.id,
        resourceType: 'experiment',
        resourcePattern: '7',
        permission: 'READ',
      })
      expect(await store.getRolePermission(p.id)).toEqual(p)
      await refused(store.addRolePermission(role.id, 'experiment', '7', 'EDIT'), 'RESOURCE_ALREADY_EXISTS')
      const other = await store.addRolePermission(role.id, 'registered_model', '7', 'DENY')
      const ws = await store.addRolePermission(role.id, 'workspace', '*', 'USE')
      expect((await store.getRole(role.id))?.permissions).toEqual([p, other, ws])
      expect(await store.updateRolePermission(p.id, 'MANAGE')).toEqual({ ...p, permission: 'MANAGE' })
      expect(await store.getRolePermission(p.id)).toEqual({ ...p, permission: 'MANAGE' })
      await store.removeRolePermission(p.id)
      expect(await store.getRolePermission(p.id)).toBeUndefined()
      expect((await store.getRole(role.id))?.permissions).toEqual([other, ws])
      // removed, the pair may be granted again
      await store.addRolePermission(role.id, 'experiment', '7', 'READ')
      await refused(store.addRolePermission(role.id + 1000, 'experiment', '7', 'READ'), 'RESOURCE_DOES_NOT_EXIST')
    })

    // ---- assignments ----

    it('assigns a role once, unassigns it (false when not held); listUserRoles includes the hidden role', async () => {
      const role = await store.createRole('r', DEFAULT_WORKSPACE, null)
      const assignment = await store.assignRole(ann.id, role.id)
      expect(assignment).toEqual({ id: assignment.id, userId: ann.id, roleId: role.id })
      await refused(store.assignRole(ann.id, role.id), 'RESOURCE_ALREADY_EXISTS')
      await store.assignRole(bob.id, role.id)
      expect((await store.listRoleUsers(role.id)).map((a) => a.userId).sort()).toEqual([ann.id, bob.id].sort())
      await store.grantUserPermission(ann.id, 'experiment', '1', 'EDIT')
      const roles = await store.listUserRoles(ann.id)
      expect(roles.map((r) => r.name).sort()).toEqual([`__user_${ann.id}__`, 'r'].sort())
      expect(roles.find((r) => r.name !== 'r')).toMatchObject({
        workspace: DEFAULT_WORKSPACE,
        permissions: [{ resourceType: 'experiment', resourcePattern: '1', permission: 'EDIT' }],
      })
      expect(await store.unassignRole(ann.id, role.id)).toBe(true)
      expect(await store.unassignRole(ann.id, role.id)).toBe(false)
      expect(await store.unassignRole(ann.id, role.id + 1000)).toBe(false)
      expect((await store.listUserRoles(ann.id)).map((r) => r.name)).toEqual([`__user_${ann.id}__`])
      expect((await store.listRoleUsers(role.id)).map((a) => a.userId)).toEqual([bob.id])
    })

    // ---- direct grants ----

    it('grants directly, refuses a second grant on a resource unless upserting, revokes (false when absent)', async () => {
      expect(await store.revokeUserPermission(ann.id, 'experiment', '1')).toBe(false)
      await store.grantUserPermission(ann.id, 'experiment', '1', 'READ')
      await refused(store.grantUserPermission(ann.id, 'experiment', '1', 'EDIT'), 'RESOURCE_ALREADY_EXISTS')
      expect(await store.listGrants(ann.id, ['experiment'])).toEqual([
        { resourceType: 'experiment', resourcePattern: '1', permission: 'READ' },
      ])
      await store.grantUserPermission(ann.id, 'experiment', '1', 'MANAGE', true)
      await store.grantUserPermission(ann.id, 'experiment', '2', 'DENY', true)
      expect(sorted(await store.listGrants(ann.id, ['experiment']))).toEqual(
        sorted([
          { resourceType: 'experiment', resourcePattern: '1', permission: 'MANAGE' },
          { resourceType: 'experiment', resourcePattern: '2', permission: 'DENY' },
        ]),
      )
      expect(await store.revokeUserPermission(ann.id, 'experiment', '1')).toBe(true)
      expect(await store.revokeUserPermission(ann.id, 'experiment', '1')).toBe(false)
      expect(await store.revokeUserPermission(ann.id, 'registered_model', '2')).toBe(false)
      expect(await store.listGrants(ann.id, ['experiment'])).toEqual([
        { resourceType: 'experiment', resourcePattern: '2', permission: 'DENY' },
      ])
      expect(await store.listGrants(bob.id, ['experiment'])).toEqual([])
      await refused(
        store.grantUserPermission(ann.id + bob.id + 100, 'experiment', '1', 'READ'),
        'RESOURCE_DOES_NOT_EXIST',
      )
    })

    it('a direct grant holds even after the hidden role was unassigned (it is assigned again)', async () => {
      await store.grantUserPermission(ann.id, 'experiment', '1', 'READ')
      const hidden = (await store.listUserRoles(ann.id))[0]!
      expect(await store.unassignRole(ann.id, hidden.id)).toBe(true)
      await store.grantUserPermission(ann.id, 'experiment', '2', 'EDIT')
      expect((await store.listGrants(ann.id, ['experiment'])).map((g) => g.resourcePattern).sort()).toEqual(['1', '2'])
    })

    it("deletes and renames a resource's direct grants, leaving roles an admin wrote alone", async () => {
      const role = await store.createRole('model-team', DEFAULT_WORKSPACE, null)
      await store.addRolePermission(role.id, 'registered_model', 'old', 'READ')
      await store.assignRole(bob.id, role.id)
      await store.grantUserPermission(ann.id, 'registered_model', 'old', 'MANAGE')
      await store.grantUserPermission(bob.id, 'registered_model', 'old', 'EDIT')
      await store.grantUserPermission(ann.id, 'experiment', 'old', 'EDIT')
      await store.grantUserPermission(ann.id, 'registered_model', 'other', 'USE')

      await store.renameGrantsForResource('registered_model', 'old', 'new')
      const patterns = async (userId: number) =>
        (await store.listGrants(userId, ['registered_model', 'experiment']))
          .map((g) => `${g.resourceType}:${g.resourcePattern}:${g.permission}`)
          .sort()
      expect(await patterns(ann.id)).toEqual([
        'experiment:old:EDIT',
        'registered_model:new:MANAGE',
        'registered_model:other:USE',
      ])
      expect(await patterns(bob.id)).toEqual(['registered_model:new:EDIT', 'registered_model:old:READ'])

      await store.deleteGrantsForResource('registered_model', 'new')
      expect(await patterns(ann.id)).toEqual(['experiment:old:EDIT', 'registered_model:other:USE'])
      expect(await patterns(bob.id)).toEqual(['registered_model:old:READ'])
      await store.deleteGrantsForResource('registered_model', 'old')
      expect((await store.getRole(role.id))?.permissions).toMatchObject([
        { resourcePattern: 'old', permission: 'READ' },
      ])
      // nothing of ann's is left on the deleted name
      expect(await store.revokeUserPermission(ann.id, 'registered_model', 'new')).toBe(false)
    })

    it('moves a grant onto a name a user already held a stale grant on: the moving grant wins', async () => {
      await store.grantUserPermission(ann.id, 'registered_model', 'old', 'MANAGE')
      await store.grantUserPermission(ann.id, 'registered_model', 'new', 'READ') // granted while no model had the name
      await store.grantUserPermission(bob.id, 'registered_model', 'new', 'EDIT') // bob held nothing on 'old'
      await store.renameGrantsForResource('registered_model', 'old', 'new')
      const on = async (userId: number) =>
        (await store.listGrants(userId, ['registered_model'])).map((g) => `${g.resourcePattern}:${g.permission}`).sort()
      expect(await on(ann.id)).toEqual(['new:MANAGE'])
      expect(await on(bob.id)).toEqual(['new:EDIT'])
    })

    it("lists a resource's access list: direct grants and role grants on its id or on '*', by user", async () => {
      const team = await store.createRole('model-team', DEFAULT_WORKSPACE, null)
      await store.addRolePermission(team.id, 'registered_model', '*', 'READ')
      await store.addRolePermission(team.id, 'registered_model', 'other', 'EDIT')
      await store.assignRole(bob.id, team.id)
      await store.grantUserPermission(ann.id, 'registered_model', 'fraud', 'MANAGE')
      await store.grantUserPermission(bob.id, 'registered_model', 'fraud', 'USE')
      await store.grantUserPermission(ann.id, 'experiment', 'fraud', 'EDIT') // another type
      expect(await store.listResourceGrants('registered_model', 'fraud')).toEqual([
        { username: 'ann', roleName: undefined, resourcePattern: 'fraud', permission: 'MANAGE' },
        { username: 'bob', roleName: 'model-team', resourcePattern: '*', permission: 'READ' },
        { username: 'bob', roleName: undefined, resourcePattern: 'fraud', permission: 'USE' },
      ])
      await store.grantUserPermission(bob.id, 'registered_model', 'fraud', 'EDIT', true) // replaced in one write
      expect(
        (await store.listResourceGrants('registered_model', 'fraud'))
          .filter((g) => g.roleName === undefined)
          .map((g) => `${g.username}:${g.permission}`),
      ).toEqual(['ann:MANAGE', 'bob:EDIT'])
      expect(await store.listResourceGrants('registered_model', 'nothing-here')).toEqual([
        { username: 'bob', roleName: 'model-team', resourcePattern: '*', permission: 'READ' },
      ])
    })

    it('lists every grant through every role, on the asked types plus the workspace slot', async () => {
      const role = await store.createRole('r', DEFAULT_WORKSPACE, null)
      await store.addRolePermission(role.id, 'workspace', '*', 'USE')
      await store.addRolePermission(role.id, 'experiment', '*', 'READ')
      await store.addRolePermission(role.id, 'deployment', 'iris', 'USE')
      const admins = await store.createRole('admins', DEFAULT_WORKSPACE, null)
      await store.addRolePermission(admins.id, 'workspace', '*', 'MANAGE')
      await store.addRolePermission(admins.id, 'experiment', '3', 'DENY')
      await store.assignRole(ann.id, role.id)
      await store.assignRole(ann.id, admins.id)
      await store.grantUserPermission(ann.id, 'experiment', '3', 'EDIT')
      await store.grantUserPermission(ann.id, 'registered_model', 'm', 'MANAGE')
      const ws: Grant[] = [
        { resourceType: 'workspace', resourcePattern: '*', permission: 'USE' },
        { resourceType: 'workspace', resourcePattern: '*', permission: 'MANAGE' },
      ]
      expect(sorted(await store.listGrants(ann.id, ['experiment']))).toEqual(
        sorted([
          ...ws,
          { resourceType: 'experiment', resourcePattern: '*', permission: 'READ' },
          { resourceType: 'experiment', resourcePattern: '3', permission: 'DENY' },
          { resourceType: 'experiment', resourcePattern: '3', permission: 'EDIT' },
        ]),
      )
      expect(sorted(await store.listGrants(ann.id, ['registered_model', 'deployment']))).toEqual(
        sorted([
          ...ws,
          { resourceType: 'registered_model', resourcePattern: 'm', permission: 'MANAGE' },
          { resourceType: 'deployment', resourcePattern: 'iris', permission: 'USE' },
        ]),
      )
      expect(sorted(await store.listGrants(ann.id, []))).toEqual(sorted(ws))
      expect(await store.listGrants(bob.id, ['experiment', 'registered_model', 'deployment'])).toEqual([])
    })

    // ---- tokens ----

    it('creates tokens and sessions, reads and lists them by user and kind', async () => {
      await store.createToken(token('t1', ann.id, { createdTime: T0 + 1 }))
      await store.createToken(token('t2', ann.id, { createdTime: T0 + 2, name: 'ci 🚀' }))
      await store.createToken(token('s1', ann.id, { kind: 'session', name: 'browser' }))
      await store.createToken(token('t3', bob.id))
      expect(await store.getToken('t2')).toEqual({
        ...token('t2', ann.id, { createdTime: T0 + 2, name: 'ci 🚀' }),
        lastUsedTime: null,
        revokedTime: null,
      })
      expect(await store.getToken('nope')).toBeUndefined()
      expect((await store.listTokens(ann.id, 'token')).map((t) => t.tokenId).sort()).toEqual(['t1', 't2'])
      expect((await store.listTokens(ann.id, 'session')).map((t) => t.tokenId)).toEqual(['s1'])
      expect((await store.listTokens(bob.id, 'token')).map((t) => t.tokenId)).toEqual(['t3'])
      expect(await store.listTokens(bob.id, 'session')).toEqual([])
    })

    it('an id past 32 bits names nothing: empty lists and not found, never an error of its own', async () => {
      const big = 99_999_999_999
      expect(await store.getRole(big)).toBeUndefined()
      expect(await store.listRoleUsers(big)).toEqual([])
      expect(await store.listUserRoles(big)).toEqual([])
      expect(await store.listGrants(big, ['experiment'])).toEqual([])
      await refused(store.assignRole(ann.id, big), 'RESOURCE_DOES_NOT_EXIST')
    })

    it('revokes a live token once (false when revoked already or unknown), keeping the first revocation time; touch records use', async () => {
      await store.createToken(token('t1', ann.id))
      await store.touchToken('t1', T0 + 10)
      expect((await store.getToken('t1'))?.lastUsedTime).toBe(T0 + 10)
      await store.touchToken('t1', T0 + 20)
      expect((await store.getToken('t1'))?.lastUsedTime).toBe(T0 + 20)
      expect(await store.revokeToken('t1', T0 + 30)).toBe(true)
      expect(await store.revokeToken('t1', T0 + 40)).toBe(false)
      expect(await store.revokeToken('nope', T0 + 40)).toBe(false)
      await store.touchToken('t1', T0 + 50)
      expect(await store.getToken('t1')).toMatchObject({ revokedTime: T0 + 30, lastUsedTime: T0 + 50 })
      expect((await store.listTokens(ann.id, 'token'))[0]).toMatchObject({ tokenId: 't1', revokedTime: T0 + 30 })
      await store.touchToken('nope', T0 + 60) // nothing to touch: no error, nothing created
      expect(await store.getToken('nope')).toBeUndefined()
    })
  })
}
