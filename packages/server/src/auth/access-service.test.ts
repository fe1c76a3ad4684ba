/**
 * AccessService over a real (in-memory SQLite) auth store: a user's grants from every role they
 * hold resolve as MLflow 3.17.2's basic-auth app resolves them (mlflow/server/auth/__init__.py and
 * requirements.py of mlflow==3.17.2, in .venv/lib/python3.11/site-packages/mlflow/server/auth/).
 */
import { KeelError } from '@keel/contracts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../sql/open-database.js'
import { SqlAuthStore } from '../sql/auth/sql-auth-store.js'
import { AccessService } from './access-service.js'
import { DEFAULT_WORKSPACE, type StoredUser } from './auth-store.js'
import type { Principal } from './principal.js'

let close: () => Promise<void>
let store: SqlAuthStore
let ann: StoredUser
let root: StoredUser

const as = (u: StoredUser): Principal => ({
  username: u.username,
  userId: u.id,
  isAdmin: u.isAdmin,
  authenticated: true,
})

beforeEach(async () => {
  const database = await openDatabase('sqlite:///:memory:')
  close = () => database.close()
  store = new SqlAuthStore(database.db, database.ops)
  ann = await store.createUser('ann', 'h', false, 1)
  root = await store.createUser('root', 'h', true, 1)
})
afterEach(async () => close())

async function role(
  name: string,
  grants: [
    Parameters<SqlAuthStore['addRolePermission']>[1],
    string,
    Parameters<SqlAuthStore['addRolePermission']>[3],
  ][],
) {
  const r = await store.createRole(name, DEFAULT_WORKSPACE, null)
  for (const [type, pattern, permission] of grants) await store.addRolePermission(r.id, type, pattern, permission)
  await store.assignRole(ann.id, r.id)
}

describe('AccessService resolution', () => {
  it('applies the default permission where no grant matches (__init__._get_role_permission_or_default)', async () => {
    expect(await new AccessService(store, 'READ').permission(as(ann), 'experiment', '1')).toBe('READ')
    expect(await new AccessService(store, 'NO_PERMISSIONS').permission(as(ann), 'experiment', '1')).toBe(
      'NO_PERMISSIONS',
    )
  })

  it("folds role patterns ('*' and exact) with direct grants; DENY from any role wins (requirements.fold_grants_for_key)", async () => {
    const access = new AccessService(store, 'NO_PERMISSIONS')
    await role('readers', [['experiment', '*', 'READ']])
    await role('blocked', [['experiment', '3', 'DENY']])
    await store.grantUserPermission(ann.id, 'experiment', '1', 'EDIT')
    await store.grantUserPermission(ann.id, 'experiment', '3', 'MANAGE')
    expect(await access.permission(as(ann), 'experiment', '1')).toBe('EDIT')
    expect(await access.permission(as(ann), 'experiment', '2')).toBe('READ')
    expect(await access.permission(as(ann), 'experiment', '3')).toBe('DENY')
    expect(await access.permission(as(ann), 'registered_model', '1')).toBe('NO_PERMISSIONS')
    expect(await access.visibility(as(ann), 'experiment')).toEqual({ except: ['3'] })
  })

  it('never resolves a positive grant below the default (requirements.floor_positive_permission)', async () => {
    await store.grantUserPermission(ann.id, 'registered_model', 'm', 'READ')
    expect(await new AccessService(store, 'EDIT').permission(as(ann), 'registered_model', 'm')).toBe('EDIT')
  })

  it('refuses with PERMISSION_DENIED naming what was needed and what the caller has', async () => {
    const access = new AccessService(store, 'READ')
    await store.grantUserPermission(ann.id, 'experiment', '1', 'EDIT')
    await access.check(as(ann), 'experiment', '1', 'update')
    const error = await access.check(as(ann), 'experiment', '1', 'delete').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeelError)
    expect(error).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: expect.stringMatching(/needs MANAGE on experiment '1'.*has EDIT/),
    })
  })

  it('gives a workspace MANAGE holder everything, DENY notwithstanding (__init__.resolve_permissions, requirements.is_workspace_admin_grant)', async () => {
    const access = new AccessService(store, 'NO_PERMISSIONS')
    await role('workspace-admins', [
      ['workspace', '*', 'MANAGE'],
      ['experiment', '1', 'DENY'],
    ])
    expect(await access.permission(as(ann), 'experiment', '1')).toBe('MANAGE')
    expect(await access.permission(as(ann), 'deployment', 'iris')).toBe('MANAGE')
    await access.check(as(ann), 'registered_model', 'anything', 'manage')
    expect(await access.visibility(as(ann), 'registered_model')).toBeUndefined()
    await access.checkCreate(as(ann), 'experiment')
  })

  it('lets admins do everything, grants aside (__init__._before_request: sender_is_admin skips authorization)', async () => {
    const access = new AccessService(store, 'NO_PERMISSIONS')
    await store.grantUserPermission(root.id, 'experiment', '1', 'DENY')
    expect(await access.permission(as(root), 'experiment', '1')).toBe('MANAGE')
    await access.check(as(root), 'experiment', '1', 'delete')
    expect(await access.visibility(as(root), 'experiment')).toBeUndefined()
    await access.checkCreate(as(root), 'registered_model')
    await access.checkManageGrant(as(root), 'experiment', '*')
  })

  it("lets workspace admins, not plain users, grant on every resource ('*') (__init__.validate_can_manage_resource)", async () => {
    const access = new AccessService(store, 'READ')
    await expect(access.checkManageGrant(as(ann), 'experiment', '*')).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    })
    await role('workspace-admins', [['workspace', '*', 'MANAGE']])
    await access.checkManageGrant(as(ann), 'experiment', '*')
  })

  it("refuses creating where a DENY on every resource of the type stands (__init__._create_not_denied, resource '*')", async () => {
    const access = new AccessService(store, 'READ')
    await access.checkCreate(as(ann), 'experiment')
    await role('no-experiments', [['experiment', '*', 'DENY']])
    await expect(access.checkCreate(as(ann), 'experiment')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' })
    await access.checkCreate(as(ann), 'registered_model')
  })

  it('refuses creating a registered model whose name is denied (__init__.validate_can_create_registered_model: _workspace_create_not_denied(type, msg.name))', async () => {
    const access = new AccessService(store, 'READ')
    await role('no-fraud', [['registered_model', 'fraud', 'DENY']])
    await expect(access.checkCreate(as(ann), 'registered_model', 'fraud')).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    })
    await access.checkCreate(as(ann), 'registered_model', 'churn')
  })

  it('reports a user’s permission with allowed meaning USE (__init__.get_user_permission: allowed = can_use)', async () => {
    const access = new AccessService(store, 'READ')
    expect(await access.userPermission(ann, 'experiment', '1')).toEqual({ allowed: false, permission: 'READ' })
    await store.grantUserPermission(ann.id, 'experiment', '1', 'USE')
    expect(await access.userPermission(ann, 'experiment', '1')).toEqual({ allowed: true, permission: 'USE' })
    await expect(access.userPermission(ann, 'workspace', '*')).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    })
  })
})
