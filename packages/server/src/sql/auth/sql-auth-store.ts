/**
 * The auth store over SQL (migration 0007), composed of one part per entity group: users, roles
 * with their permissions, role assignments, direct grants, and tokens (personal access tokens and
 * sessions). A user's direct grants sit on their hidden `__user_<id>__` role in the default
 * workspace, created on the first grant, as MLflow keeps them.
 */
import type { Kysely } from 'kysely'
import type { AuthStore } from '../../auth/auth-store.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { authTables } from './auth-rows.js'
import { SqlGrantStore } from './sql-grant-store.js'
import { SqlRoleAssignmentStore } from './sql-role-assignment-store.js'
import { SqlRoleStore } from './sql-role-store.js'
import { SqlTokenStore } from './sql-token-store.js'
import { SqlUserStore } from './sql-user-store.js'

export class SqlAuthStore implements AuthStore {
  private readonly users: SqlUserStore
  private readonly roles: SqlRoleStore
  private readonly assignments: SqlRoleAssignmentStore
  private readonly grants: SqlGrantStore
  private readonly tokens: SqlTokenStore

  constructor(db: Kysely<Database>, ops: DialectOps) {
    const auth = authTables(db)
    this.users = new SqlUserStore(auth, ops)
    this.roles = new SqlRoleStore(auth, ops)
    this.assignments = new SqlRoleAssignmentStore(auth, ops)
    this.grants = new SqlGrantStore(auth, ops)
    this.tokens = new SqlTokenStore(auth, ops)
  }

  readonly createUser: AuthStore['createUser'] = (...a) => this.users.createUser(...a)
  readonly getUser: AuthStore['getUser'] = (...a) => this.users.getUser(...a)
  readonly getUserById: AuthStore['getUserById'] = (...a) => this.users.getUserById(...a)
  readonly listUsers: AuthStore['listUsers'] = (...a) => this.users.listUsers(...a)
  readonly updateUser: AuthStore['updateUser'] = (...a) => this.users.updateUser(...a)
  readonly deleteUser: AuthStore['deleteUser'] = (...a) => this.users.deleteUser(...a)

  readonly createRole: AuthStore['createRole'] = (...a) => this.roles.createRole(...a)
  readonly getRole: AuthStore['getRole'] = (...a) => this.roles.getRole(...a)
  readonly listRoles: AuthStore['listRoles'] = (...a) => this.roles.listRoles(...a)
  readonly updateRole: AuthStore['updateRole'] = (...a) => this.roles.updateRole(...a)
  readonly deleteRole: AuthStore['deleteRole'] = (...a) => this.roles.deleteRole(...a)
  readonly addRolePermission: AuthStore['addRolePermission'] = (...a) => this.roles.addRolePermission(...a)
  readonly getRolePermission: AuthStore['getRolePermission'] = (...a) => this.roles.getRolePermission(...a)
  readonly updateRolePermission: AuthStore['updateRolePermission'] = (...a) => this.roles.updateRolePermission(...a)
  readonly removeRolePermission: AuthStore['removeRolePermission'] = (...a) => this.roles.removeRolePermission(...a)

  readonly assignRole: AuthStore['assignRole'] = (...a) => this.assignments.assignRole(...a)
  readonly unassignRole: AuthStore['unassignRole'] = (...a) => this.assignments.unassignRole(...a)
  readonly listUserRoles: AuthStore['listUserRoles'] = (...a) => this.assignments.listUserRoles(...a)
  readonly listRoleUsers: AuthStore['listRoleUsers'] = (...a) => this.assignments.listRoleUsers(...a)

  readonly grantUserPermission: AuthStore['grantUserPermission'] = (...a) => this.grants.grantUserPermission(...a)
  readonly revokeUserPermission: AuthStore['revokeUserPermission'] = (...a) => this.grants.revokeUserPermission(...a)
  readonly deleteGrantsForResource: AuthStore['deleteGrantsForResource'] = (...a) =>
    this.grants.deleteGrantsForResource(...a)
  readonly renameGrantsForResource: AuthStore['renameGrantsForResource'] = (...a) =>
    this.grants.renameGrantsForResource(...a)
  readonly listResourceGrants: AuthStore['listResourceGrants'] = (...a) => this.grants.listResourceGrants(...a)
  readonly listGrants: AuthStore['listGrants'] = (...a) => this.grants.listGrants(...a)

  readonly createToken: AuthStore['createToken'] = (...a) => this.tokens.createToken(...a)
  readonly getToken: AuthStore['getToken'] = (...a) => this.tokens.getToken(...a)
  readonly listTokens: AuthStore['listTokens'] = (...a) => this.tokens.listTokens(...a)
  readonly revokeToken: AuthStore['revokeToken'] = (...a) => this.tokens.revokeToken(...a)
  readonly touchToken: AuthStore['touchToken'] = (...a) => this.tokens.touchToken(...a)
}
