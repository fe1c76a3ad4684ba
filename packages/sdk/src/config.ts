/**
 * Where the tracking server is and how to authenticate: explicit options first, then the
 * environment variables MLflow's Python client reads, so one `export` configures both clients.
 */
import { userInfo } from 'node:os'
import { KeelError } from '@keel/contracts'

export const DEFAULT_TRACKING_URI = 'http://127.0.0.1:5000'

export interface AuthOptions {
  /** Bearer token (else `MLFLOW_TRACKING_TOKEN`). */
  readonly token?: string
  /** Basic-auth user (else `MLFLOW_TRACKING_USERNAME`); needs `password`. */
  readonly username?: string
  /** Basic-auth password (else `MLFLOW_TRACKING_PASSWORD`). */
  readonly password?: string
}

type Env = Readonly<Record<string, string | undefined>>

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value === '' ? undefined : value

/**
 * The server's base URL, without a trailing slash: `trackingUri`, else `KEEL_TRACKING_URI`, else
 * `MLFLOW_TRACKING_URI`, else http://127.0.0.1:5000. Only http(s) servers are supported.
 */
export function resolveTrackingUri(trackingUri?: string, env: Env = process.env): string {
  const uri =
    nonEmpty(trackingUri) ??
    nonEmpty(env.KEEL_TRACKING_URI) ??
    nonEmpty(env.MLFLOW_TRACKING_URI) ??
    DEFAULT_TRACKING_URI
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw KeelError.invalid(`Tracking URI '${uri}' is not a URL; expected http(s)://host:port`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw KeelError.invalid(`Tracking URI '${uri}' is not supported: keel-sdk talks to a tracking server over http(s)`)
  }
  return uri.replace(/\/+$/, '')
}

/** `Authorization` header from the options or the environment; a token wins over user/password. */
export function authHeaders(options: AuthOptions = {}, env: Env = process.env): Record<string, string> {
  const token = nonEmpty(options.token) ?? nonEmpty(env.MLFLOW_TRACKING_TOKEN)
  if (token !== undefined) return { authorization: `Bearer ${token}` }
  const username = nonEmpty(options.username) ?? nonEmpty(env.MLFLOW_TRACKING_USERNAME)
  const password = options.password ?? env.MLFLOW_TRACKING_PASSWORD
  if (username === undefined || password === undefined) return {}
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` }
}

/** A non-negative integer from the environment (e.g. `MLFLOW_HTTP_REQUEST_MAX_RETRIES`), else undefined. */
export function envInt(name: string, env: Env = process.env): number | undefined {
  const raw = nonEmpty(env[name])
  if (raw === undefined) return undefined
  const n = Number(raw)
  return Number.isInteger(n) && n >= 0 ? n : undefined
}

/**
 * Who is acting: `KEEL_USER`, else the OS user. Sent as `X-Keel-User` so that keel's audit trail
 * can say who moved a model to production (a verified basic-auth user takes precedence there).
 */
export function currentUser(): string {
  if (process.env.KEEL_USER) return process.env.KEEL_USER
  try {
    return userInfo().username
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown'
  }
}
