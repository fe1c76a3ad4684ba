/**
 * `keel models serve --require-auth`: who may call what on the model server, decided by the
 * tracking server it serves from.
 *
 * - Health probes (`/ping`, `/health`, `/v2/health/*`) stay open, as do unknown paths (404).
 * - Predicting (`POST /invocations`, `POST /v2/models/{m}[/versions/{v}]/infer`) needs USE
 *   (MLflow's) on every registered model behind the deployment, shadows and A/B variants included.
 * - Metadata (`/v2/models/{m}...`, `/metrics`, `/keel/deployment`) needs READ on each of them;
 *   `/version` and `/v2` need only a valid caller.
 *
 * Credentials are `Authorization: Basic` (user:password) or `Bearer` (a keel personal access
 * token), checked by the tracking server with the caller's own header (`tracking-authority.ts`);
 * the verdict (user and permissions) is remembered for the cache TTL under a hash of the header,
 * so a revoked token or permission stops working within that bound. When the tracking server
 * cannot answer, the request gets 503: nothing is let through unverified.
 */
import { ProtocolError } from '../protocol/protocol-error.js'
import { CredentialCache } from './credential-cache.js'
import {
  type ModelAction,
  type TrackingAuthority,
  TrackingUnavailable,
  UNAUTHENTICATED,
  type VerifiedUser,
  permits,
} from './tracking-authority.js'

/** What a request needs: nothing, a caller the tracking server knows, or READ / USE on every served model. */
export type Need = 'none' | 'signed-in' | ModelAction

const PROBES = new Set(['/ping', '/health', '/v2/health/live', '/v2/health/ready'])

export function needOf(method: string, path: string): Need {
  if (PROBES.has(path)) return 'none'
  if (method === 'POST' && (path === '/invocations' || (path.startsWith('/v2/models/') && path.endsWith('/infer'))))
    return 'use'
  if (path === '/version' || path === '/v2') return 'signed-in'
  if (path === '/metrics' || path === '/keel/deployment' || path.startsWith('/v2/models/')) return 'read'
  return 'none'
}

/** Refused credentials are remembered at most this long (a flood of bad ones does not reach the tracking server). */
const REFUSED_TTL_MS = 5_000
/** Longer headers are refused before anything is asked. */
const MAX_HEADER_LENGTH = 8_192
const CREDENTIALS = /^(basic|bearer) +[\x21-\x7e]+$/i
const HOW =
  'send Authorization: Basic (username:password) or Bearer (a keel personal access token) credentials of the tracking server'

type Verdict =
  | { readonly user: VerifiedUser; readonly permissions: ReadonlyMap<string, string> }
  | { readonly refused: string }

/** Let through (as the user, when one was checked), or refused with a 401, 403 or 503. */
export type AuthOutcome =
  | { readonly ok: true; readonly username?: string }
  | { readonly ok: false; readonly refusal: ProtocolError }

const unauthenticated = (message: string): AuthOutcome => ({
  ok: false,
  refusal: new ProtocolError(401, 'UNAUTHENTICATED', message),
})

export interface ServingAuthOptions {
  readonly authority: TrackingAuthority
  /** The registered models behind the deployment (every variant's, shadows included). */
  readonly models: () => readonly string[]
  /** How long a verdict stands (the bound on a revocation taking effect); 0: every request asks. */
  readonly cacheTtlMs: number
  /** The tracking server could not answer (reported once per distinct failure). */
  readonly onUnavailable?: (detail: string) => void
}

export class ServingAuth {
  private readonly cache: CredentialCache<Verdict>
  private lastFailure: string | undefined

  constructor(private readonly options: ServingAuthOptions) {
    const ttl = options.cacheTtlMs
    this.cache = new CredentialCache<Verdict>((v) => ('refused' in v ? Math.min(ttl, REFUSED_TTL_MS) : ttl))
  }

  /** Refuses to start unless the tracking server asks for credentials (else there is nothing to check against). */
  async checkTrackingServer(): Promise<void> {
    const { baseUrl } = this.options.authority
    let enabled: boolean
    try {
      enabled = await this.options.authority.authEnabled()
    } catch (error) {
      throw new Error(
        `--require-auth: cannot ask ${baseUrl} whether it checks credentials: ${error instanceof TrackingUnavailable ? error.detail : String(error)}`,
      )
    }
    if (!enabled) {
      throw new Error(
        `--require-auth checks callers against the tracking server, but ${baseUrl} does not ask for credentials: start it with \`keel server --app-name basic-auth\``,
      )
    }
  }

  /** Whether the request may go on; never throws (an unanswerable question is a 503). */
  async authorize(method: string, path: string, header: string | undefined): Promise<AuthOutcome> {
    const need = needOf(method, path)
    if (need === 'none') return { ok: true }
    if (header === undefined || header === '') return unauthenticated(`Authentication required: ${HOW}`)
    if (header.length > MAX_HEADER_LENGTH || !CREDENTIALS.test(header))
      return unauthenticated(`Unsupported or malformed Authorization header: ${HOW}`)
    let verdict: Verdict
    try {
      verdict = await this.cache.get(header, () => this.verify(header))
      this.lastFailure = undefined
    } catch (error) {
      const detail = error instanceof TrackingUnavailable ? error.detail : String(error)
      if (detail !== this.lastFailure) this.options.onUnavailable?.(detail)
      this.lastFailure = detail
      const why = error instanceof TrackingUnavailable ? error.message : 'the check failed'
      return {
        ok: false,
        refusal: new ProtocolError(
          503,
          'TEMPORARILY_UNAVAILABLE',
          `Cannot verify the credentials: ${why}; try again later`,
        ),
      }
    }
    if ('refused' in verdict) return unauthenticated(verdict.refused)
    if (need === 'signed-in') return { ok: true, username: verdict.user.username }
    for (const [model, permission] of verdict.permissions) {
      if (permits(permission, need)) continue
      const level = need === 'use' ? 'USE' : 'READ'
      const to = need === 'use' ? 'predict with it' : 'read its metadata'
      const message = `Permission denied: ${verdict.user.username} needs ${level} on registered model '${model}' to ${to} (has ${permission})`
      return { ok: false, refusal: new ProtocolError(403, 'PERMISSION_DENIED', message) }
    }
    return { ok: true, username: verdict.user.username }
  }

  private async verify(header: string): Promise<Verdict> {
    const { authority } = this.options
    const refused = {
      refused:
        'The tracking server refused these credentials (wrong username or password, or an unknown, expired or revoked token)',
    }
    const user = await authority.currentUser(header)
    if (user === UNAUTHENTICATED) return refused
    const models = [...new Set(this.options.models())].sort()
    if (user.isAdmin) return { user, permissions: new Map(models.map((m) => [m, 'MANAGE'])) }
    const permissions = await Promise.all(models.map((m) => authority.modelPermission(header, user.username, m)))
    if (permissions.includes(UNAUTHENTICATED)) return refused
    return { user, permissions: new Map(models.map((m, i) => [m, permissions[i] as string])) }
  }
}

/**
 * The registered models behind a deployment's variants; --require-auth refuses to serve a
 * variant that is not a registered model version (there is no permission to check on it).
 */
export function registeredModelsOf(
  variants: readonly {
    readonly name: string
    readonly modelName: string | undefined
    readonly spec: { readonly modelUri: string }
  }[],
): string[] {
  return variants.map((v) => {
    if (v.modelName !== undefined) return v.modelName
    throw new Error(
      `--require-auth checks callers' permissions on registered models, but variant '${v.name}' serves '${v.spec.modelUri}', which is not a registered model version: register it and serve models:/NAME/VERSION or models:/NAME@ALIAS`,
    )
  })
}
