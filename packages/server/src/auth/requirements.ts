/**
 * What a route needs, as data: public, any signed-in user, an admin, or an action on resources
 * located from the request (an experiment by id or name, a run's experiment, a registered model, a
 * deployment, a monitor's deployment …), plus what to do once a write succeeded (the creator of a
 * resource manages it). The route table (route-permissions.ts) is made of these; the guard
 * evaluates them; the docs are generated from their descriptions.
 */
import type { Action, GrantableResourceType } from './permissions.js'
import type { Principal } from './principal.js'

/** Finds the resources a request names, where the request names them indirectly. */
export interface ResourceLocator {
  experimentIdByName(name: string): Promise<string | undefined>
  experimentOfRun(runId: string): Promise<string | undefined>
  experimentOfLoggedModel(modelId: string): Promise<string | undefined>
  experimentOfTrace(traceId: string): Promise<string | undefined>
  deploymentOfMonitor(monitorId: string): Promise<string | undefined>
  /** The deployments that logged these request ids; ids not logged yet are left out. */
  deploymentsOfRequests(requestIds: readonly string[]): Promise<{ deployments: string[]; unknown: number }>
  /** Whether an alias is protected (moving it needs MANAGE). */
  isProtectedAlias(name: string, alias: string): Promise<boolean>
  /** The registered model an alias change request is about. */
  modelOfAliasRequest(requestId: string): Promise<string | undefined>
}

/** What a check may use: the caller, their permissions, and the locator. */
export interface CheckContext {
  readonly principal: Principal
  readonly locate: ResourceLocator
  /** Throws PERMISSION_DENIED unless the principal may act on the resource. */
  need(type: GrantableResourceType, id: string, action: Action): Promise<void>
  needAdmin(): void
  /** Admins, or holders of a workspace-wide MANAGE grant. */
  needWorkspaceAdmin(): Promise<void>
  /** Admins, or users holding any role (MLflow's validate_can_view_roles). */
  needRoleHolder(): Promise<void>
  /** Refuses when the principal is denied creating this type (or, given, the resource of that id). */
  needCreate(type: GrantableResourceType, id?: string): Promise<void>
}

/** Follows a successful write (MLflow's after-request handlers). */
export interface AfterContext {
  readonly principal: Principal
  created(type: GrantableResourceType, id: string): Promise<void>
  renamed(type: GrantableResourceType, from: string, to: string): Promise<void>
  deleted(type: GrantableResourceType, id: string): Promise<void>
}

export interface Requirement<Req = unknown, Res = unknown> {
  /** For the docs and the table test: "EDIT on the run's experiment". */
  readonly describe: string
  /** Public routes need no credentials at all. */
  readonly public?: boolean
  /** A write, recorded in the audit log (a POST search is not). */
  readonly write: boolean
  /** The check, after the request is authenticated and validated; throws PERMISSION_DENIED. */
  check(request: Req, ctx: CheckContext): Promise<void>
  after?(request: Req, response: Res, ctx: AfterContext): Promise<void>
  /** The resource a request names, for the audit log ({"experiment": "3"}). */
  resource?(request: Req): Record<string, string> | undefined
}

const LEVEL: Record<Action, string> = { read: 'READ', use: 'USE', update: 'EDIT', delete: 'MANAGE', manage: 'MANAGE' }
const TYPE_WORD: Record<GrantableResourceType, string> = {
  experiment: 'experiment',
  registered_model: 'registered model',
  deployment: 'deployment',
}

export const publicRoute: Requirement = { describe: 'public', public: true, write: false, check: async () => {} }

export function signedIn(write: boolean, describe = 'signed in'): Requirement {
  return { describe, write, check: async () => {} }
}

export const admin: Requirement = { describe: 'admin', write: true, check: async (_r, ctx) => ctx.needAdmin() }

/**
 * An action on the resources a request names: `ids` returns the ids directly, or locates them
 * (undefined when the thing named does not exist: the handler then answers 404).
 */
export function on<Req>(
  type: GrantableResourceType,
  action: Action,
  what: string,
  ids: (request: Req, locate: ResourceLocator) => Promise<(string | undefined)[]> | (string | undefined)[],
  options: { readonly write?: boolean; readonly resource?: (request: Req) => Record<string, string> | undefined } = {},
): Requirement<Req> {
  return {
    describe: `${LEVEL[action]} on ${what.replace('{type}', TYPE_WORD[type])}`,
    write: options.write ?? action !== 'read',
    async check(request, ctx) {
      for (const id of await ids(request, ctx.locate)) if (id !== undefined) await ctx.need(type, id, action)
    },
    ...(options.resource && { resource: options.resource }),
  }
}

/** Every one of several requirements; the first that fails answers. */
export function allOf<Req>(describe: string, ...parts: Requirement<Req>[]): Requirement<Req> {
  const after = parts.filter((p) => p.after)
  const resource = parts.find((p) => p.resource)?.resource
  return {
    describe,
    write: parts.some((p) => p.write),
    async check(request, ctx) {
      for (const p of parts) await p.check(request, ctx)
    },
    ...(after.length > 0 && {
      async after(request: Req, response: unknown, ctx: AfterContext) {
        for (const p of after) await p.after!(request, response, ctx)
      },
    }),
    ...(resource && { resource }),
  }
}

export function custom<Req, Res = unknown>(
  describe: string,
  write: boolean,
  check: (request: Req, ctx: CheckContext) => Promise<void>,
  extra: Pick<Requirement<Req, Res>, 'after' | 'resource'> = {},
): Requirement<Req, Res> {
  return { describe, write, check, ...extra }
}
