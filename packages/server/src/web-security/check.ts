/**
 * The browser guard's decision for one request, as a pure function of the request's headers and
 * the server's policy; the tracking server (Hono middleware, `http/browser-guard.ts`) and the
 * model server (`node-guard.ts`) apply the same verdicts.
 *
 * - The Host must be one this server answers to (DNS rebinding), except on health probes.
 * - A CORS preflight is answered (204) for an allowed origin and refused (403) for any other.
 * - A state-changing request (POST, PUT, PATCH, DELETE) from another origin, or from another site
 *   by `Sec-Fetch-Site`, is refused unless its origin is allowed.
 * - A state-changing request must send JSON (or a type its route lists), unless its origin is one
 *   the operator listed: a page may send text/plain, form types or no type across sites without a
 *   preflight, never JSON.
 * - Every answer carries `X-Content-Type-Options: nosniff` and `X-Frame-Options`.
 */
import { isAllowedHost, parseHostHeader } from './hosts.js'
import { type OriginGrant, grantOf, isOwnOrigin } from './origins.js'
import type { WebSecurityPolicy } from './policy.js'

export interface RequestFacts {
  readonly method: string
  readonly path: string
  readonly host: string | undefined
  readonly origin: string | undefined
  readonly fetchSite: string | undefined
  readonly contentType: string | undefined
  /** `Access-Control-Request-Method` (a preflight carries it). */
  readonly preflightMethod: string | undefined
  /** `Access-Control-Request-Headers`. */
  readonly preflightHeaders: string | undefined
}

/** What differs between servers: the paths probes use, and the bodies a route takes besides JSON. */
export interface Surface {
  /** Paths answered whatever the Host (health probes from load balancers and orchestrators). */
  hostExempt(path: string): boolean
  /**
   * Media types (lower case, no parameters) a state-changing request may send on this path besides
   * JSON: '' for no body type, '*' for any (only on methods a browser always preflights).
   */
  otherBodyTypes(method: string, path: string): readonly string[]
}

export type Header = readonly [name: string, value: string]

export type Rule = 'host' | 'origin' | 'content-type'

export type Verdict =
  | { readonly action: 'continue'; readonly headers: readonly Header[] }
  | { readonly action: 'preflight'; readonly headers: readonly Header[] }
  | { readonly action: 'refuse'; readonly rule: Rule; readonly message: string; readonly headers: readonly Header[] }

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'
const ALLOW_HEADERS = ['authorization', 'content-type', 'x-request-id', 'x-keel-user']
const EXPOSE_HEADERS = 'X-Request-Id, X-Keel-Variant, X-Keel-Model-Version, Retry-After'
const TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]+$/

/** The headers every answer carries. */
export function securityHeaders(policy: WebSecurityPolicy): Header[] {
  const headers: Header[] = [['X-Content-Type-Options', 'nosniff']]
  if (policy.frameOptions !== 'NONE') headers.push(['X-Frame-Options', policy.frameOptions])
  if (policy.origins.entries.length > 0) headers.push(['Vary', 'Origin'])
  return headers
}

export function checkRequest(
  policy: WebSecurityPolicy,
  surface: Surface,
  req: RequestFacts,
  base: readonly Header[] = securityHeaders(policy),
): Verdict {
  const host = parseHostHeader(req.host)
  if (
    !surface.hostExempt(req.path) &&
    !policy.hosts.any &&
    (host === undefined || !isAllowedHost(policy.hosts, host))
  ) {
    return refuse('host', hostMessage(req.host), base)
  }
  const method = req.method.toUpperCase()
  const origin = req.origin
  const own = origin !== undefined && host !== undefined && isOwnOrigin(origin, host.value)
  const grant: OriginGrant = origin === undefined || own ? undefined : grantOf(policy.origins, origin)
  const headers = grant === undefined ? base : [...base, ...corsHeaders(origin!, grant)]

  if (method === 'OPTIONS' && origin !== undefined && req.preflightMethod !== undefined) {
    if (own) return { action: 'preflight', headers }
    if (grant === undefined) {
      return refuse(
        'origin',
        `CORS preflight refused: origin ${quote(origin)} is not allowed to call this server (its operator can allow it with --cors-allowed-origins)`,
        base,
      )
    }
    return { action: 'preflight', headers: [...headers, ...preflightHeaders(req.preflightHeaders)] }
  }
  if (!STATE_CHANGING.has(method)) return { action: 'continue', headers }

  if (origin !== undefined && !own && grant === undefined) {
    return refuse(
      'origin',
      `Cross-origin request blocked: ${method} from origin ${quote(origin)}; this server accepts writes from its own pages and from the origins in --cors-allowed-origins`,
      base,
    )
  }
  const site = req.fetchSite?.toLowerCase()
  if (origin === undefined && (site === 'cross-site' || site === 'same-site')) {
    return refuse(
      'origin',
      `Cross-site request blocked: ${method} sent by a page of another site (Sec-Fetch-Site: ${site})`,
      base,
    )
  }
  if (grant !== 'listed') {
    const type = mediaType(req.contentType)
    const others = surface.otherBodyTypes(method, req.path)
    if (!isJson(type) && !others.includes(type) && !others.includes('*')) {
      return refuse('content-type', typeMessage(method, req.contentType, others), headers)
    }
  }
  return { action: 'continue', headers }
}

/** `application/json` or any `+json` type. */
function isJson(type: string): boolean {
  return type === 'application/json' || /^[a-z0-9.-]+\/[a-z0-9.!#$&^_-]+\+json$/.test(type)
}

/** The media type of a Content-Type header: lower case, without parameters; '' when there is none. */
export function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return ''
  const semi = contentType.indexOf(';')
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
}

function corsHeaders(origin: string, grant: 'listed' | 'any'): Header[] {
  // `*` never carries credentials: a page allowed only by `*` cannot send this server's cookies or HTTP auth.
  if (grant === 'any')
    return [
      ['Access-Control-Allow-Origin', '*'],
      ['Access-Control-Expose-Headers', EXPOSE_HEADERS],
    ]
  return [
    ['Access-Control-Allow-Origin', origin],
    ['Access-Control-Allow-Credentials', 'true'],
    ['Access-Control-Expose-Headers', EXPOSE_HEADERS],
  ]
}

function preflightHeaders(requested: string | undefined): Header[] {
  const asked = (requested ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => TOKEN.test(h))
  return [
    ['Access-Control-Allow-Methods', ALLOW_METHODS],
    ['Access-Control-Allow-Headers', [...new Set([...ALLOW_HEADERS, ...asked])].join(', ')],
    ['Access-Control-Max-Age', '600'],
    ['Vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'],
  ]
}

function refuse(rule: Rule, message: string, headers: readonly Header[]): Verdict {
  return { action: 'refuse', rule, message, headers }
}

function hostMessage(host: string | undefined): string {
  if (host === undefined || host.trim() === '')
    return 'Missing Host header: this server answers only requests that name it'
  return (
    `Invalid Host header ${quote(host)}: this server does not answer to that name ` +
    '(a guard against DNS rebinding); its operator can allow it with --allowed-hosts'
  )
}

function typeMessage(method: string, contentType: string | undefined, others: readonly string[]): string {
  const got =
    contentType === undefined || contentType.trim() === ''
      ? 'without a Content-Type'
      : `with Content-Type ${quote(contentType)}`
  const accepted = ['application/json', ...others.map((t) => (t === '' ? 'no body type' : t))].join(' or ')
  return (
    `Refused ${method} ${got}: a state-changing request must send ${accepted} ` +
    '(a web page can send other types to any server without asking, so they are refused; see --cors-allowed-origins)'
  )
}

/** A header value for a message: quoted, at most 100 characters, control characters escaped. */
function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value)
}
