/**
 * The guard the HTTP edge calls: turns a request's credentials (HTTP basic, a bearer token, the
 * UI's session cookie) into a principal, and decides each route from its row in the permission
 * table. With authentication off every caller is an administrator acting under the name they
 * claim, so the checks pass, but creators still become owners and writes are still audited.
 */
import { KeelError, type Endpoint } from '@keel/contracts'
import type { AccessService } from './access-service.js'
import type { AuthService } from './auth-service.js'
import type { GrantableResourceType, Visibility } from './permissions.js'
import { type Principal, unauthenticatedPrincipal } from './principal.js'
import type { AfterContext, CheckContext, Requirement, ResourceLocator } from './requirements.js'
import { rawRouteOf } from './route-permissions.js'

export const SESSION_COOKIE = 'keel_session'

/** What the edge hands over of a request's credentials. */
export interface Credentials {
  readonly authorization?: string | undefined
  readonly cookie?: string | undefined
  /** `X-Keel-User`: the caller's word for who they are, used only when authentication is off. */
  readonly claimedUser?: string | undefined
}

/** A request that sent credentials that do not hold. */
export const INVALID_CREDENTIALS = Symbol('invalid credentials')

export type Authentication = Principal | undefined | typeof INVALID_CREDENTIALS

export interface AccessGuardOptions {
  /** Undefined: authentication is off. */
  readonly auth: AuthService | undefined
  readonly access: AccessService
  readonly locate: ResourceLocator
  readonly table: ReadonlyMap<Endpoint, Requirement>
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

export class AccessGuard {
  constructor(private readonly options: AccessGuardOptions) {}

  get enabled(): boolean {
    return this.options.auth !== undefined
  }

  get auth(): AuthService | undefined {
    return this.options.auth
  }

  get access(): AccessService {
    return this.options.access
  }

  /** The row of an endpoint; a route without one is a programming error caught at start-up. */
  requirementOf(endpoint: Endpoint): Requirement {
    const requirement = this.options.table.get(endpoint)
    if (!requirement)
      throw new Error(
        `Route ${endpoint.method} ${endpoint.path} declares no permission: add its row to auth/route-permissions.ts`,
      )
    return requirement
  }

  async authenticate(credentials: Credentials): Promise<Authentication> {
    const auth = this.options.auth
    const header = credentials.authorization?.trim()
    if (!auth) return unauthenticatedPrincipal(basicUser(header) ?? credentials.claimedUser)
    if (header) {
      const space = header.indexOf(' ')
      const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase()
      const value = space < 0 ? '' : header.slice(space + 1).trim()
      if (scheme === 'basic') {
        let decoded: string
        try {
          decoded = Buffer.from(value, 'base64').toString('utf8')
        } catch {
          return INVALID_CREDENTIALS
        }
        const colon = decoded.indexOf(':')
        if (colon < 0) return INVALID_CREDENTIALS
        return (
          (await auth.authenticatePassword(decoded.slice(0, colon), decoded.slice(colon + 1))) ?? INVALID_CREDENTIALS
        )
      }
      if (scheme === 'bearer') return (await auth.authenticateToken(value, 'token')) ?? INVALID_CREDENTIALS
      return INVALID_CREDENTIALS
    }
    const session = readCookie(credentials.cookie, SESSION_COOKIE)
    if (session) return (await auth.authenticateToken(session, 'session')) ?? undefined
    return undefined
  }

  /** The caller a non-public route needs, or a 401. */
  principalFor(requirement: Requirement, authentication: Authentication): Principal {
    if (authentication !== undefined && authentication !== INVALID_CREDENTIALS) return authentication
    if (requirement.public) return unauthenticatedPrincipal(undefined)
    throw unauthenticated(authentication === INVALID_CREDENTIALS)
  }

  /** Throws PERMISSION_DENIED unless the row lets the principal make this request. */
  async check(requirement: Requirement, request: unknown, principal: Principal): Promise<void> {
    if (requirement.public || principal.isAdmin) return
    await requirement.check(request, this.checkContext(principal))
  }

  async after(requirement: Requirement, request: unknown, response: unknown, principal: Principal): Promise<void> {
    if (!requirement.after) return
    const access = this.options.access
    const ctx: AfterContext = {
      principal,
      created: (type, id) => access.created(principal, type, id),
      renamed: (type, from, to) => access.renamed(type, from, to),
      deleted: (type, id) => access.deleted(type, id),
    }
    await requirement.after(request, response, ctx)
  }

  /**
   * A request to a route outside the endpoint tables: its raw row decides; a route with no row
   * (a new one nobody declared) is refused.
   */
  async checkRaw(
    method: string,
    path: string,
    query: URLSearchParams,
    authentication: Authentication,
    header: (name: string) => string | undefined = () => undefined,
  ): Promise<Principal> {
    const matched = rawRouteOf(method === 'HEAD' ? 'HEAD' : method, path)
    if (!matched) throw new KeelError('PERMISSION_DENIED', `Route ${method} ${path} declares no permission`)
    const { route, target } = matched
    const principal = this.principalFor(
      { describe: route.describe, write: false, ...(route.public && { public: true }), check: async () => {} },
      authentication,
    )
    if (route.public || principal.isAdmin || !route.check) return principal
    await route.check(
      route.targetFromHeader !== undefined
        ? (header(route.targetFromHeader)?.trim() ?? '')
        : route.targetFromQuery === undefined
          ? target
          : ([route.targetFromQuery]
              .flat()
              .map((name) => query.get(name))
              .find((v) => v) ?? ''),
      this.checkContext(principal),
    )
    return principal
  }

  visibility(principal: Principal, type: GrantableResourceType): Promise<Visibility | undefined> {
    return this.options.access.visibility(principal, type)
  }

  checkContext(principal: Principal): CheckContext {
    const access = this.options.access
    const auth = this.options.auth
    const needAdmin = () => {
      if (!principal.isAdmin)
        throw new KeelError(
          'PERMISSION_DENIED',
          `Permission denied: only admins may do this (${principal.username} is not an admin).`,
        )
    }
    return {
      principal,
      locate: this.options.locate,
      need: (type, id, action) => access.check(principal, type, id, action),
      needAdmin,
      needCreate: (type, id) => access.checkCreate(principal, type, id),
      async needWorkspaceAdmin() {
        if (principal.isAdmin || principal.userId === undefined) return
        const grants = await auth!.store.listGrants(principal.userId, [])
        if (!grants.some((g) => g.resourceType === 'workspace' && g.permission === 'MANAGE')) needAdmin()
      },
      async needRoleHolder() {
        if (principal.isAdmin || principal.userId === undefined) return
        if ((await auth!.store.listUserRoles(principal.userId)).length === 0) needAdmin()
      },
    }
  }
}

/** The user name of an HTTP basic header, unverified (what a client claims). */
function basicUser(header: string | undefined): string | undefined {
  if (!header?.toLowerCase().startsWith('basic ')) return undefined
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon > 0 ? decoded.slice(0, colon) : undefined
}

export function unauthenticated(badCredentials: boolean): KeelError {
  return new KeelError(
    'UNAUTHENTICATED',
    badCredentials
      ? 'The credentials sent are not valid (wrong user name or password, or an unknown, expired or revoked token).'
      : 'You are not authenticated: send HTTP basic credentials (MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD), a token (MLFLOW_TRACKING_TOKEN), or sign in to the web UI.',
  )
}
