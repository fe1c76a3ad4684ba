/**
 * Mounts the RPC endpoints of `@keel/contracts` on a Hono app: MLflow's paths under both
 * `/api/<major>.0` and `/ajax-api/<major>.0`, requests parsed and validated against the endpoint's
 * schema, handlers returning the response object.
 */
import { KeelError, type Endpoint, type RequestOf, type ResponseOf } from '@keel/contracts'
import type { Context, Hono } from 'hono'
import type { GrantableResourceType, Visibility } from '../auth/permissions.js'
import type { Principal } from '../auth/principal.js'
import { type RouteGuard, authenticationOf, setRouteInfo } from './access.js'
import { remoteAddress, requestBody, requestHeader } from './node-request.js'
import { fastPathOf } from './fast-requests.js'
import { arrayFields, parseJsonBody, parseQueryString, queryToObject, validateRequest } from './parse-request.js'

/** What a handler may read of the HTTP request besides its validated body. */
export interface RequestContext {
  header(name: string): string | undefined
  /** Who is calling (with authentication off: an administrator under the name they claim). */
  readonly principal: Principal
  /** What a search may show the caller; undefined: everything. */
  visible(type: GrantableResourceType): Promise<Visibility | undefined>
  /** Adds a response header (Set-Cookie on sign-in). */
  setHeader(name: string, value: string): void
  /** The caller's network address. */
  readonly address: string
}

export type Handler<E extends Endpoint> = (
  request: RequestOf<E>,
  context: RequestContext,
) => Promise<ResponseOf<E>> | ResponseOf<E>

export interface RouteOptions {
  /** Largest JSON body accepted, in bytes. */
  readonly maxBodyBytes?: number
  /** Extra methods the route answers to (MLflow routes some POST searches for GET too). */
  readonly alsoGet?: boolean
}

export interface MountedRoute {
  readonly endpoint: Endpoint
  readonly methods: readonly string[]
}

const DEFAULT_MAX_BODY = 16 * 1024 * 1024

export class RpcRouter {
  readonly routes: MountedRoute[] = []

  constructor(
    private readonly app: Hono,
    private readonly guard: RouteGuard,
  ) {}

  add<E extends Endpoint>(endpoint: E, handler: Handler<E>, options: RouteOptions = {}): this {
    const arrays = arrayFields(endpoint.request)
    const fast = fastPathOf(endpoint)
    const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY
    const path = endpoint.path.replace(/\{(\w+)\}/g, ':$1')
    const methods = options.alsoGet && endpoint.method !== 'GET' ? [endpoint.method, 'GET'] : [endpoint.method]
    // Every route declares its permission: a route without a row in the table fails at start-up.
    const requirement = this.guard.requirementOf(endpoint)
    const guard = this.guard
    const serve = async (c: Context) => {
      const action = `${endpoint.method} ${endpoint.path}`
      setRouteInfo(c, { action, write: requirement.write })
      const principal = guard.principalFor(requirement, authenticationOf(c))
      const input =
        c.req.method === 'GET' ? queryToObject(parseQueryString(rawQuery(c)), arrays) : await readJson(c, maxBody)
      Object.assign(input, c.req.param())
      const request = (fast?.(input) ?? validateRequest(endpoint.request, input)) as RequestOf<E>
      setRouteInfo(c, { action, write: requirement.write, resource: requirement.resource?.(request), principal })
      await guard.check(requirement, request, principal)
      const context: RequestContext = {
        header: (name) => requestHeader(c, name),
        principal,
        visible: (type) => guard.visibility(principal, type),
        setHeader: (name, value) => c.header(name, value, { append: true }),
        address: remoteAddress(c),
      }
      const response = await handler(request, context)
      await guard.after(requirement, request, response, principal)
      return c.json(response as object)
    }
    for (const prefix of ['/api', '/ajax-api']) {
      this.app.on(methods, `${prefix}/${endpoint.major}.0${path}`, serve)
    }
    this.routes.push({ endpoint, methods })
    return this
  }
}

async function readJson(c: Context, maxBytes: number): Promise<Record<string, unknown>> {
  const type = requestHeader(c, 'content-type')
  // JSON only (MLflow's server also parses text/plain, which any web page may send across sites
  // without a CORS preflight); a body without a type is parsed as JSON.
  if (
    type !== undefined &&
    type.trim() !== '' &&
    !/^\s*(application\/json|[\w.-]+\/[\w.+-]+\+json)\s*(;|$)/i.test(type)
  ) {
    throw KeelError.invalid(`Unsupported Content-Type '${type}': send the request body as application/json`)
  }
  const length = Number(requestHeader(c, 'content-length') ?? 'NaN')
  if (length > maxBytes) throw tooLarge(maxBytes)
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of requestBody(c)) {
    size += chunk.byteLength
    if (size > maxBytes) throw tooLarge(maxBytes)
    chunks.push(chunk)
  }
  return parseJsonBody(Buffer.concat(chunks))
}

/** The query string as sent, without `?`, still percent-encoded. */
function rawQuery(c: Context): string {
  const url = c.req.url
  const start = url.indexOf('?')
  if (start < 0) return ''
  const end = url.indexOf('#', start)
  return url.slice(start + 1, end < 0 ? undefined : end)
}

function tooLarge(maxBytes: number): KeelError {
  return KeelError.invalid(`Request body is too large: the limit for this endpoint is ${maxBytes} bytes`)
}
