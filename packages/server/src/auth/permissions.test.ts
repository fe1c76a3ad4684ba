/**
 * keel's permission resolution against MLflow 3.17.2's basic-auth app. Each case names the MLflow
 * function it mirrors (mlflow/server/auth/permissions.py, requirements.py and __init__.py of
 * mlflow==3.17.2, as installed in .venv/lib/python3.11/site-packages/mlflow/server/auth/).
 * MLflow with workspaces disabled (keel has none): every grant lives in the default workspace and
 * an absent grant means the default permission (__init__._absent_permission).
 */
import { describe, expect, it } from 'vitest'
import {
  type Grant,
  type PermissionName,
  allows,
  checkGrantable,
  checkPattern,
  effectivePermission,
  foldGrants,
  isWorkspaceAdmin,
  maxPermission,
  readableResources,
} from './permissions.js'

const g = (resourceType: Grant['resourceType'], resourcePattern: string, permission: PermissionName): Grant => ({
  resourceType,
  resourcePattern,
  permission,
})

describe('permission levels', () => {
  it('allow what MLflow’s Permission objects can do (permissions.READ … DENY, NO_PERMISSIONS)', () => {
    const can = (p: PermissionName) =>
      (['read', 'use', 'update', 'delete', 'manage'] as const).filter((a) => allows(p, a))
    expect(can('READ')).toEqual(['read'])
    expect(can('USE')).toEqual(['read', 'use'])
    expect(can('EDIT')).toEqual(['read', 'use', 'update'])
    expect(can('MANAGE')).toEqual(['read', 'use', 'update', 'delete', 'manage'])
    expect(can('DENY')).toEqual([])
    expect(can('NO_PERMISSIONS')).toEqual([])
  })

  it('order as PERMISSION_PRIORITY, DENY below everything so it never wins a max (permissions.max_permission)', () => {
    expect(maxPermission('READ', 'MANAGE')).toBe('MANAGE')
    expect(maxPermission('EDIT', 'USE')).toBe('EDIT')
    expect(maxPermission('DENY', 'NO_PERMISSIONS')).toBe('NO_PERMISSIONS')
    expect(maxPermission('DENY', 'READ')).toBe('READ')
  })
})

describe('folding the grants on one resource (requirements.fold_grants_for_key)', () => {
  it('DENY wins over any positive grant, from any role', () => {
    expect(
      foldGrants(
        [g('experiment', '1', 'MANAGE'), g('experiment', '1', 'DENY'), g('experiment', '*', 'EDIT')],
        'experiment',
        '1',
      ),
    ).toBe('DENY')
    expect(foldGrants([g('experiment', '*', 'DENY'), g('experiment', '1', 'MANAGE')], 'experiment', '1')).toBe('DENY')
  })

  it('otherwise the highest matching grant; a legacy NO_PERMISSIONS row is not a veto', () => {
    expect(
      foldGrants(
        [g('experiment', '*', 'READ'), g('experiment', '1', 'EDIT'), g('experiment', '1', 'USE')],
        'experiment',
        '1',
      ),
    ).toBe('EDIT')
    expect(foldGrants([g('experiment', '1', 'NO_PERMISSIONS'), g('experiment', '*', 'READ')], 'experiment', '1')).toBe(
      'READ',
    )
  })

  it("a pattern matches its exact id or everything with '*', nothing else (permissions.matches)", () => {
    const grants = [
      g('registered_model', 'fraud', 'EDIT'),
      g('registered_model', 'fraud*', 'MANAGE'),
      g('registered_model', '%', 'MANAGE'),
    ]
    expect(foldGrants(grants, 'registered_model', 'fraud')).toBe('EDIT')
    expect(foldGrants(grants, 'registered_model', 'fraud-v2')).toBeUndefined()
    expect(foldGrants(grants, 'registered_model', 'FRAUD')).toBeUndefined()
    expect(foldGrants([g('registered_model', '*', 'USE')], 'registered_model', 'anything')).toBe('USE')
  })

  it('grants on other resource types do not count, the workspace slot included (fold_grants_for_key filters on the key’s type)', () => {
    const grants = [g('registered_model', '1', 'MANAGE'), g('deployment', '1', 'DENY'), g('workspace', '*', 'USE')]
    expect(foldGrants(grants, 'experiment', '1')).toBeUndefined()
    expect(effectivePermission(grants, 'experiment', '1', 'NO_PERMISSIONS')).toBe('NO_PERMISSIONS')
  })
})

describe('a user’s permission on a resource', () => {
  it('is the default when no grant matches (__init__._get_role_permission_or_default, None → default_permission)', () => {
    expect(effectivePermission([], 'experiment', '1', 'READ')).toBe('READ')
    expect(effectivePermission([g('experiment', '2', 'MANAGE')], 'experiment', '1', 'NO_PERMISSIONS')).toBe(
      'NO_PERMISSIONS',
    )
  })

  it('is never below the default for a positive grant (requirements.floor_positive_permission)', () => {
    expect(effectivePermission([g('experiment', '1', 'READ')], 'experiment', '1', 'EDIT')).toBe('EDIT')
    expect(effectivePermission([g('experiment', '1', 'MANAGE')], 'experiment', '1', 'READ')).toBe('MANAGE')
  })

  it('stays DENY, or a lone legacy NO_PERMISSIONS, whatever the default (floor_positive_permission exempts both)', () => {
    expect(effectivePermission([g('experiment', '1', 'DENY')], 'experiment', '1', 'MANAGE')).toBe('DENY')
    expect(
      effectivePermission([g('experiment', '*', 'DENY'), g('experiment', '1', 'MANAGE')], 'experiment', '1', 'READ'),
    ).toBe('DENY')
    expect(effectivePermission([g('experiment', '1', 'NO_PERMISSIONS')], 'experiment', '1', 'READ')).toBe(
      'NO_PERMISSIONS',
    )
  })

  it('is MANAGE everywhere with workspace MANAGE, even over DENY (__init__.resolve_permissions: "Admins are not restrictable")', () => {
    const grants = [g('workspace', '*', 'MANAGE'), g('experiment', '1', 'DENY')]
    expect(isWorkspaceAdmin(grants)).toBe(true)
    expect(effectivePermission(grants, 'experiment', '1', 'NO_PERMISSIONS')).toBe('MANAGE')
    expect(effectivePermission(grants, 'deployment', 'iris', 'NO_PERMISSIONS')).toBe('MANAGE')
    expect(readableResources(grants, 'experiment', 'NO_PERMISSIONS')).toBeUndefined()
  })

  it('gains nothing from workspace USE (requirements.is_workspace_admin_grant is MANAGE only)', () => {
    expect(isWorkspaceAdmin([g('workspace', '*', 'USE')])).toBe(false)
    expect(effectivePermission([g('workspace', '*', 'USE')], 'experiment', '1', 'READ')).toBe('READ')
  })
})

describe('what a search may show (the same resolution, per resource)', () => {
  it('hides DENY’d resources when the default reads, and lists the readable ones when it does not', () => {
    expect(
      readableResources([g('experiment', '2', 'DENY'), g('experiment', '3', 'EDIT')], 'experiment', 'READ'),
    ).toEqual({ except: ['2'] })
    expect(readableResources([g('experiment', '3', 'EDIT')], 'experiment', 'READ')).toBeUndefined()
    expect(
      readableResources([g('experiment', '2', 'DENY'), g('experiment', '3', 'USE')], 'experiment', 'NO_PERMISSIONS'),
    ).toEqual({ only: ['3'], except: [] })
    expect(
      readableResources([g('experiment', '*', 'READ'), g('experiment', '2', 'DENY')], 'experiment', 'NO_PERMISSIONS'),
    ).toEqual({ except: ['2'] })
    expect(
      readableResources([g('experiment', '*', 'DENY'), g('experiment', '3', 'MANAGE')], 'experiment', 'READ'),
    ).toEqual({ only: [], except: [] })
  })
})

describe('what may be granted (permissions._validate_permission_for_resource_type, _validate_resource_pattern)', () => {
  it('workspace-wide: USE or MANAGE on * only', () => {
    expect(checkGrantable('USE', 'workspace')).toBe('USE')
    expect(checkGrantable('MANAGE', 'workspace')).toBe('MANAGE')
    for (const p of ['READ', 'EDIT', 'DENY', 'NO_PERMISSIONS'])
      expect(() => checkGrantable(p, 'workspace')).toThrow(/Workspace-wide grants accept only/)
    expect(checkPattern('*', 'workspace')).toBe('*')
    expect(() => checkPattern('default', 'workspace')).toThrow(/only wildcard/)
  })

  it('on a resource: READ, USE, EDIT, MANAGE or DENY, never NO_PERMISSIONS; unknown names refused', () => {
    for (const p of ['READ', 'USE', 'EDIT', 'MANAGE', 'DENY']) expect(checkGrantable(p, 'experiment')).toBe(p)
    expect(() => checkGrantable('NO_PERMISSIONS', 'registered_model')).toThrow(/Resource-level grants accept only/)
    expect(() => checkGrantable('ADMIN', 'experiment')).toThrow(/Invalid permission 'ADMIN'/)
    expect(() => checkPattern('', 'experiment')).toThrow(/non-empty/)
  })
})
