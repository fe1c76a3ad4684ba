/**
 * What the HTTP edge needs of access control (implemented by auth/access-guard.ts): who the caller
 * is, per request, and each route's row of the permission table; and the per-request state the
 * edge keeps for the audit log.
 */
import type { Endpoint } from '@keel/contracts'
import type { Context } from 'hono'
import type { Authentication, Credentials } from '../auth/access-guard.js'
import type { GrantableResourceType, Visibility } from '../auth/permissions.js'
import type { Principal } from '../auth/principal.js'
import type { Requirement } from '../auth/requirements.js'
import { requestHeader } from './node-request.js'

export interface RouteGuard {
  readonly enabled: boolean
  authenticate(credentials: Credentials): Promise<Authentication>
  requirementOf(endpoint: Endpoint): Requirement
  /** The caller a route needs, or throws UNAUTHENTICATED. */
  principalFor(requirement: Requirement, authentication: Authentication): Principal
  check(requirement: Requirement, request: unknown, principal: Principal): Promise<void>
  after(requirement: Requirement, request: unknown, response: unknown, principal: Principal): Promise<void>
  visibility(principal: Principal, type: GrantableResourceType): Promise<Visibility | undefined>
  /** Checks a request to a route outside the endpoint tables against its raw row. */
  checkRaw(
    method: string,
    path: string,
    query: URLSearchParams,
    authentication: Authentication,
    header?: (name: string) => string | undefined,
  ): Promise<Principal>
}

/** What the audit log records of a request the router served. */
export interface RouteInfo {
  readonly action: string
  readonly write: boolean
  readonly resource?: Record<string, string> | undefined
  readonly principal?: Principal
}

const AUTHENTICATION = 'keel.authentication'
const ROUTE = 'keel.route'
const REQUEST_ID = 'keel.requestId'

export function credentialsOf(c: Context): Credentials {
  return {
    authorization: requestHeader(c, 'authorization'),
    cookie: requestHeader(c, 'cookie'),
    claimedUser: requestHeader(c, 'x-keel-user'),
  }
}

export function setAuthentication(c: Context, authentication: Authentication): void {
  c.set(AUTHENTICATION as never, authentication as never)
}

export function authenticationOf(c: Context): Authentication {
  return c.get(AUTHENTICATION as never) as Authentication
}

export function setRouteInfo(c: Context, info: RouteInfo): void {
  c.set(ROUTE as never, info as never)
}

export function routeInfoOf(c: Context): RouteInfo | undefined {
  return c.get(ROUTE as never) as RouteInfo | undefined
}

/** The request's id (the X-Request-Id answered), kept for the audit log without reading the response's headers. */
export function setRequestId(c: Context, id: string): void {
  c.set(REQUEST_ID as never, id as never)
}

export function requestIdOf(c: Context): string | undefined {
  return c.get(REQUEST_ID as never) as string | undefined
}
