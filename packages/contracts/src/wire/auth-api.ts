/**
 * Authentication and permissions on the wire: MLflow's basic-auth REST API (users, per-user
 * grants, roles; the paths and shapes of mlflow/server/auth/routes.py and client.py in 3.17, so
 * `mlflow.server.get_app_client("basic-auth")` works unchanged), and keel's own routes for
 * personal access tokens, browser sign-in and the audit log of writes.
 */
import { z } from 'zod'
import { endpoint } from './endpoint.js'
import { bool, int64, str } from './primitives.js'
import { int64Within, maxResults, maxUnits, nameText, nonEmpty, pageToken } from './documented.js'

const empty = z.object({})

export const userWire = z.object({ id: int64, username: str, is_admin: bool })
export type UserWire = z.input<typeof userWire>

export const rolePermissionWire = z.object({
  id: int64,
  role_id: int64,
  resource_type: str,
  resource_pattern: str,
  permission: str,
})
export type RolePermissionWire = z.input<typeof rolePermissionWire>

export const roleWire = z.object({
  id: int64,
  name: str,
  workspace: str,
  description: str.nullable().optional(),
  permissions: z.array(rolePermissionWire).optional(),
})
export type RoleWire = z.input<typeof roleWire>

export const roleAssignmentWire = z.object({ id: int64, user_id: int64, role_id: int64 })

/** One grant a user holds through one of their roles (their hidden `__user_<id>__` role: direct grants). */
export const userPermissionRowWire = z.object({
  role_id: int64,
  role_name: str,
  workspace: str,
  resource_type: str,
  resource_pattern: str,
  permission: str,
})

/** A grant on one resource: `role_name` absent for the user's direct grant. */
export const resourceGrantWire = z.object({
  username: str,
  role_name: str.optional(),
  resource_pattern: str,
  permission: str,
})
export type ResourceGrantWire = z.input<typeof resourceGrantWire>

const userPermissions = z.object({ is_admin: bool, permissions: z.array(userPermissionRowWire) })
// The rules of auth/auth-service.ts, access-service.ts and permissions.ts, as the document states them.
/** A user name HTTP basic auth can carry: no ':' nor control characters. */
const username = str.meta({ minLength: 1, ...maxUnits(256), pattern: '^[^\\x00-\\x1f\\x7f:]+$' })
const password = str.meta({ minLength: 12, ...maxUnits(1024) })
/** Per-user grants are on these resource types, with these permissions. */
const RESOURCE_TYPES = ['experiment', 'registered_model', 'deployment']
const RESOURCE_PERMISSIONS = ['READ', 'USE', 'EDIT', 'MANAGE', 'DENY']
const resourceRef = {
  username: str,
  resource_type: str.meta({ enum: RESOURCE_TYPES }),
  resource_id: nonEmpty,
}
/** keel has MLflow's default workspace only. */
const workspace = str.meta({ enum: ['default'] })
/** A role's name: not blank, not the '__user_' prefix of the per-user roles. */
const roleName = nameText(256, { pattern: '^(?!__user_)[^\\x00]*[^\\s\\x00\\ufeff][^\\x00]*$' })
/** A role grant: a permission on the resources of a type matching a pattern ('*' only for workspace). */
const ROLE_GRANT = {
  anyOf: [
    {
      properties: {
        resource_type: { enum: RESOURCE_TYPES },
        permission: { enum: RESOURCE_PERMISSIONS },
        resource_pattern: { minLength: 1 },
      },
    },
    {
      properties: {
        resource_type: { const: 'workspace' },
        permission: { enum: ['USE', 'MANAGE'] },
        resource_pattern: { const: '*' },
      },
    },
  ],
}
const roleId = z.object({ role_id: int64 })

export const tokenInfoWire = z.object({
  token_id: str,
  name: str,
  created_time: int64,
  expires_time: int64,
  last_used_time: int64.optional(),
  revoked_time: int64.optional(),
})
export type TokenInfoWire = z.input<typeof tokenInfoWire>

export const auditRecordWire = z.object({
  seq: int64,
  timestamp_ms: int64,
  actor: str,
  authenticated: bool,
  address: str,
  method: str,
  path: str,
  action: str,
  resource: z.record(z.string(), z.string()).optional(),
  status: int64,
  request_id: str,
})
export type AuditRecordWire = z.input<typeof auditRecordWire>

export const authApi = {
  createUser: endpoint(
    'POST',
    '/mlflow/users/create',
    'Create a user (admins)',
    z.object({ username, password }),
    z.object({ user: userWire }),
  ),
  getUser: endpoint(
    'GET',
    '/mlflow/users/get',
    'A user (themselves, or any for admins)',
    z.object({ username: str }),
    z.object({ user: userWire }),
  ),
  listUsers: endpoint(
    'GET',
    '/mlflow/users/list',
    'Every user with their roles',
    empty,
    z.object({ users: z.array(userWire.extend({ roles: z.array(roleWire).optional() })) }),
  ),
  currentUser: endpoint(
    'GET',
    '/mlflow/users/current',
    'The signed-in user',
    empty,
    z.object({ user: userWire, is_basic_auth: bool }),
  ),
  updateUserPassword: endpoint(
    'PATCH',
    '/mlflow/users/update-password',
    "Change a password (one's own with current_password, or any for admins)",
    z.object({ username: str, password, current_password: str.optional() }),
    empty,
  ),
  updateUserAdmin: endpoint(
    'PATCH',
    '/mlflow/users/update-admin',
    'Make a user an admin or not (admins)',
    z.object({ username: str, is_admin: bool }),
    empty,
  ),
  deleteUser: endpoint(
    'DELETE',
    '/mlflow/users/delete',
    'Delete a user with their grants and tokens (admins)',
    z.object({ username: str }),
    empty,
  ),
  listCurrentUserPermissions: endpoint(
    'GET',
    '/mlflow/users/current/permissions',
    "The signed-in user's grants, through every role",
    empty,
    userPermissions,
    3,
  ),
  listUserPermissions: endpoint(
    'GET',
    '/mlflow/users/permissions/list',
    "A user's grants, through every role",
    z.object({ username: str }),
    userPermissions,
    3,
  ),
  grantUserPermission: endpoint(
    'POST',
    '/mlflow/users/permissions/grant',
    'Grant a user a permission on a resource (MANAGE on it, or admins)',
    z.object({ ...resourceRef, permission: str.meta({ enum: RESOURCE_PERMISSIONS }) }),
    empty,
    3,
  ),
  revokeUserPermission: endpoint(
    'POST',
    '/mlflow/users/permissions/revoke',
    "Revoke a user's direct grant on a resource (MANAGE on it, or admins)",
    z.object(resourceRef),
    empty,
    3,
  ),
  setUserPermission: endpoint(
    'POST',
    '/keel/permissions/set',
    "Set a user's permission on a resource, replacing a grant they hold there, in one step (MANAGE on it, or admins)",
    z.object({ ...resourceRef, permission: str.meta({ enum: RESOURCE_PERMISSIONS }) }),
    empty,
  ),
  listResourceGrants: endpoint(
    'GET',
    '/keel/permissions/resource',
    'Who holds what on one resource, directly or through a role, `*` grants included (MANAGE on it, or admins)',
    z.object({ resource_type: resourceRef.resource_type, resource_id: resourceRef.resource_id }),
    z.object({ grants: z.array(resourceGrantWire) }),
  ),
  getUserPermission: endpoint(
    'GET',
    '/mlflow/users/permissions/get',
    "A user's effective permission on a resource; allowed is whether it lets them use it",
    z.object(resourceRef),
    z.object({ allowed: bool, permission: str }),
    3,
  ),

  createRole: endpoint(
    'POST',
    '/mlflow/roles/create',
    'Create a role (admins)',
    z.object({ workspace, name: roleName, description: str.nullable().optional() }),
    z.object({ role: roleWire }),
    3,
  ),
  getRole: endpoint('GET', '/mlflow/roles/get', 'A role with its grants', roleId, z.object({ role: roleWire }), 3),
  listRoles: endpoint(
    'GET',
    '/mlflow/roles/list',
    'Roles of the given workspaces (all: admins)',
    z.object({ workspace: z.array(workspace).optional() }),
    z.object({ roles: z.array(roleWire) }),
    3,
  ),
  updateRole: endpoint(
    'PATCH',
    '/mlflow/roles/update',
    'Rename a role or change its description (admins)',
    z
      .object({ role_id: int64, name: roleName.optional(), description: str.optional() })
      .meta({ anyOf: [{ required: ['role_id', 'name'] }, { required: ['role_id', 'description'] }] }),
    z.object({ role: roleWire }),
    3,
  ),
  deleteRole: endpoint(
    'DELETE',
    '/mlflow/roles/delete',
    'Delete a role with its grants and assignments (admins)',
    roleId,
    empty,
    3,
  ),
  addRolePermission: endpoint(
    'POST',
    '/mlflow/roles/permissions/add',
    'Grant a role a permission on resources of a type matching a pattern (admins)',
    z.object({ role_id: int64, resource_type: str, resource_pattern: str, permission: str }).meta(ROLE_GRANT),
    z.object({ role_permission: rolePermissionWire }),
    3,
  ),
  removeRolePermission: endpoint(
    'DELETE',
    '/mlflow/roles/permissions/remove',
    "Remove one of a role's grants (admins)",
    z.object({ role_permission_id: int64 }),
    empty,
    3,
  ),
  listRolePermissions: endpoint(
    'GET',
    '/mlflow/roles/permissions/list',
    "A role's grants",
    roleId,
    z.object({ role_permissions: z.array(rolePermissionWire) }),
    3,
  ),
  updateRolePermission: endpoint(
    'PATCH',
    '/mlflow/roles/permissions/update',
    "Change the permission of one of a role's grants (admins)",
    // Every resource type takes USE and MANAGE; the others depend on the grant's type.
    z.object({ role_permission_id: int64, permission: str.meta({ enum: ['USE', 'MANAGE'] }) }),
    z.object({ role_permission: rolePermissionWire }),
    3,
  ),
  assignRole: endpoint(
    'POST',
    '/mlflow/roles/assign',
    'Give a user a role (admins)',
    z.object({ username: str, role_id: int64 }),
    z.object({ assignment: roleAssignmentWire }),
    3,
  ),
  unassignRole: endpoint(
    'DELETE',
    '/mlflow/roles/unassign',
    'Take a role from a user (admins)',
    z.object({ username: str, role_id: int64 }),
    empty,
    3,
  ),
  listUserRoles: endpoint(
    'GET',
    '/mlflow/users/roles/list',
    "A user's roles",
    z.object({ username: str }),
    z.object({ roles: z.array(roleWire) }),
    3,
  ),
  listRoleUsers: endpoint(
    'GET',
    '/mlflow/roles/users/list',
    "A role's users (admins)",
    roleId,
    z.object({ assignments: z.array(roleAssignmentWire) }),
    3,
  ),

  whoAmI: endpoint(
    'GET',
    '/keel/auth/whoami',
    'Whether this server asks for credentials, and who the caller is (no user when not signed in)',
    empty,
    z.object({ auth_enabled: bool, user: userWire.optional(), default_permission: str.optional() }),
  ),
  signIn: endpoint(
    'POST',
    '/keel/auth/sign-in',
    'Sign in from a browser: checks the password and sets a session cookie (HttpOnly, SameSite=Strict)',
    z.object({ username: str, password: str }),
    z.object({ user: userWire }),
  ),
  signOut: endpoint('POST', '/keel/auth/sign-out', "Ends the browser's session and clears its cookie", empty, empty),
  createToken: endpoint(
    'POST',
    '/keel/tokens/create',
    'Create a personal access token for the caller (MLFLOW_TRACKING_TOKEN); its secret is shown once',
    z.object({ name: nameText(256), expires_in_days: int64Within(1, 730).optional() }),
    z.object({ token: str, token_info: tokenInfoWire }),
  ),
  listTokens: endpoint(
    'GET',
    '/keel/tokens/list',
    "The caller's tokens (or a user's, for admins), without their secrets",
    z.object({ username: str.optional() }),
    z.object({ tokens: z.array(tokenInfoWire) }),
  ),
  revokeToken: endpoint(
    'POST',
    '/keel/tokens/revoke',
    "Revoke one of the caller's tokens (any, for admins)",
    z.object({ token_id: str }),
    empty,
  ),
  searchAudit: endpoint(
    'GET',
    '/keel/audit/search',
    'The audit log of writes, oldest first (admins): start_time <= timestamp_ms < end_time',
    z.object({
      actor: str.optional(),
      start_time: int64.optional(),
      end_time: int64.optional(),
      max_results: maxResults(1000).optional(),
      page_token: pageToken.optional(),
    }),
    z.object({ records: z.array(auditRecordWire), next_page_token: str.optional() }),
  ),
} as const
