/**
 * Permissions as MLflow's basic-auth app defines them (mlflow/server/auth/permissions.py and
 * requirements.py in 3.17): five levels and an explicit DENY, what each lets a user do, and how the
 * grants that match a resource fold into one permission. Pure functions; the store holds grants.
 */
import { KeelError } from '@keel/contracts'

export const PERMISSION_NAMES = ['READ', 'USE', 'EDIT', 'MANAGE', 'NO_PERMISSIONS', 'DENY'] as const
export type PermissionName = (typeof PERMISSION_NAMES)[number]

/** What a request needs: read it, use it (serve, predict), update it, delete it, manage its permissions. */
export type Action = 'read' | 'use' | 'update' | 'delete' | 'manage'

const ALLOWS: Record<PermissionName, readonly Action[]> = {
  READ: ['read'],
  USE: ['read', 'use'],
  EDIT: ['read', 'use', 'update'],
  MANAGE: ['read', 'use', 'update', 'delete', 'manage'],
  NO_PERMISSIONS: [],
  DENY: [],
}

/** MLflow's PERMISSION_PRIORITY: DENY below everything so that it never wins a max. */
const PRIORITY: Record<PermissionName, number> = { DENY: -1, NO_PERMISSIONS: 0, READ: 1, USE: 2, EDIT: 3, MANAGE: 4 }

export function allows(permission: PermissionName, action: Action): boolean {
  return ALLOWS[permission].includes(action)
}

export function maxPermission(a: PermissionName, b: PermissionName): PermissionName {
  return PRIORITY[a] >= PRIORITY[b] ? a : b
}

export function isPermissionName(value: unknown): value is PermissionName {
  return typeof value === 'string' && (PERMISSION_NAMES as readonly string[]).includes(value)
}

/**
 * The resource types keel grants on. `experiment` (runs and logged models follow their experiment)
 * and `registered_model` (versions and aliases follow their model) are MLflow's; `deployment` is
 * keel's own (a model server's prediction log and the monitors that read it); `workspace` is the
 * role-wide slot (`*` only: USE or MANAGE, MANAGE meaning every resource).
 */
export const RESOURCE_TYPES = ['experiment', 'registered_model', 'deployment', 'workspace'] as const
export type ResourceType = (typeof RESOURCE_TYPES)[number]
export type GrantableResourceType = Exclude<ResourceType, 'workspace'>

/** MLflow's other resource types, named when a client sends one, so the refusal says why. */
const MLFLOW_ONLY_TYPES = [
  'prompt',
  'scorer',
  'gateway_secret',
  'gateway_endpoint',
  'gateway_model_definition',
  'mcp_server',
  'run',
  'trace',
  'assessment',
  'logged_model',
  'review_queue',
  'registered_model_version',
  'prompt_version',
  'scorer_version',
  'mcp_server_version',
]

export function parseResourceType(value: unknown): ResourceType {
  if (typeof value === 'string' && (RESOURCE_TYPES as readonly string[]).includes(value)) return value as ResourceType
  if (typeof value === 'string' && MLFLOW_ONLY_TYPES.includes(value)) {
    throw KeelError.invalid(
      `Resource type '${value}' is MLflow's but keel has no such resources: grant on 'experiment' (its runs and logged models follow it), 'registered_model' (its versions follow it) or 'deployment'.`,
    )
  }
  throw KeelError.invalid(
    `Invalid resource type '${String(value)}'. Valid resource types are: ${RESOURCE_TYPES.join(', ')}`,
  )
}

/** A grant as the store returns it: a permission on every resource of a type matching the pattern. */
export interface Grant {
  readonly resourceType: ResourceType
  /** A resource id (experiment id, model name, deployment name) or `*` for all of the type. */
  readonly resourcePattern: string
  readonly permission: PermissionName
}

/** Checks a permission may be granted on the type (MLflow's _validate_permission_for_resource_type). */
export function checkGrantable(permission: unknown, resourceType: ResourceType): PermissionName {
  if (!isPermissionName(permission)) {
    throw KeelError.invalid(
      `Invalid permission '${String(permission)}'. Valid permissions are: (${PERMISSION_NAMES.map((p) => `'${p}'`).join(', ')})`,
    )
  }
  if (resourceType === 'workspace') {
    if (permission !== 'USE' && permission !== 'MANAGE') {
      throw KeelError.invalid(
        `Invalid permission '${permission}' for resource_type='workspace'. Workspace-wide grants accept only: ('MANAGE', 'USE').`,
      )
    }
    return permission
  }
  if (permission === 'NO_PERMISSIONS') {
    throw KeelError.invalid(
      `Invalid permission '${permission}' for resource_type='${resourceType}'. Resource-level grants accept only: ('DENY', 'EDIT', 'MANAGE', 'READ', 'USE').`,
    )
  }
  return permission
}

export function checkPattern(pattern: unknown, resourceType: ResourceType): string {
  if (typeof pattern !== 'string' || pattern === '')
    throw KeelError.invalid('The resource id (or pattern) must be a non-empty string')
  if (resourceType === 'workspace' && pattern !== '*') {
    throw KeelError.invalid(
      `Invalid resource_pattern '${pattern}' for resource_type='workspace'. This resource type supports only wildcard ('*') grants.`,
    )
  }
  return pattern
}

/** A workspace-wide MANAGE grant: its holder may do anything to every resource (not to users). */
export function isWorkspaceAdmin(grants: readonly Grant[]): boolean {
  return grants.some((g) => g.resourceType === 'workspace' && g.resourcePattern === '*' && g.permission === 'MANAGE')
}

/**
 * The grants matching one resource folded into one permission: DENY wins over any positive
 * grant; otherwise the highest. Undefined when no grant matches (the default then applies).
 */
export function foldGrants(grants: readonly Grant[], type: ResourceType, id: string): PermissionName | undefined {
  let denied = false
  let best: PermissionName | undefined
  for (const g of grants) {
    if (g.resourceType !== type || (g.resourcePattern !== '*' && g.resourcePattern !== id)) continue
    if (g.permission === 'DENY') denied = true
    else best = best === undefined ? g.permission : maxPermission(best, g.permission)
  }
  return denied ? 'DENY' : best
}

/**
 * A user's permission on one resource: workspace admins MANAGE everything; otherwise the folded
 * grants, where a positive grant never resolves below the default permission (MLflow's
 * floor_positive_permission) and DENY stays DENY; the default when no grant matches.
 */
export function effectivePermission(
  grants: readonly Grant[],
  type: GrantableResourceType,
  id: string,
  defaultPermission: PermissionName,
): PermissionName {
  if (isWorkspaceAdmin(grants)) return 'MANAGE'
  const folded = foldGrants(grants, type, id)
  if (folded === undefined) return defaultPermission
  if (folded === 'DENY' || folded === 'NO_PERMISSIONS') return folded
  return maxPermission(folded, defaultPermission)
}

/**
 * Which resources of a type a user may read, for filtering searches: `undefined` when every one
 * (apart from those in `except`) is readable, else `only` lists the readable ids.
 */
export interface Visibility {
  readonly only?: readonly string[]
  readonly except: readonly string[]
}

export function readableResources(
  grants: readonly Grant[],
  type: GrantableResourceType,
  defaultPermission: PermissionName,
): Visibility | undefined {
  if (isWorkspaceAdmin(grants)) return undefined
  const mine = grants.filter((g) => g.resourceType === type)
  const ids = [...new Set(mine.map((g) => g.resourcePattern).filter((p) => p !== '*'))]
  const readable = (id: string) => allows(effectivePermission(mine, type, id, defaultPermission), 'read')
  const allByDefault = allows(
    effectivePermission(mine, type, '\u0000no such resource\u0000', defaultPermission),
    'read',
  )
  if (allByDefault) {
    const except = ids.filter((id) => !readable(id))
    return except.length === 0 ? undefined : { except }
  }
  return { only: ids.filter(readable), except: [] }
}
