/**
 * The REST transport: sends the request `buildRequest` (`@keel/contracts`) makes of a call to an
 * endpoint, with auth and retries, and parses the response with the endpoint's response schema.
 */
import { buildRequest, type Endpoint, type HttpMethod, KeelError, type RequestInputOf } from '@keel/contracts'
import { type AuthOptions, authHeaders, currentUser, envInt, resolveTrackingUri } from './config.js'
import { RETRYABLE_STATUSES, errorFromResponse, networkError } from './http-errors.js'
import { type RetryOptions, backoffDelay, retryOptions, sleep } from './retry.js'
import { SDK_VERSION } from './version.js'

export interface HttpOptions extends AuthOptions {
  /** Server base URL (else `KEEL_TRACKING_URI`, `MLFLOW_TRACKING_URI`, http://127.0.0.1:5000). */
  readonly trackingUri?: string
  readonly retry?: Partial<RetryOptions>
  /** Timeout of one API request (default `MLFLOW_HTTP_REQUEST_TIMEOUT` seconds, else 120 s). */
  readonly timeoutMs?: number
  /** Timeout of one artifact upload or download, body included (default 1 h). */
  readonly transferTimeoutMs?: number
  /** Extra headers sent on every request. */
  readonly headers?: Readonly<Record<string, string>>
  /** The fetch to send with (default: the global one), e.g. a proxy-aware one or an in-process app's. */
  readonly fetch?: typeof fetch
}

/** A raw request for `HttpClient.send`; `body` is a factory so that a retry gets a fresh stream. */
export interface SendInit {
  readonly method: HttpMethod
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: () => NonNullable<RequestInit['body']>
  /** Artifact transfer: uses `transferTimeoutMs` instead of `timeoutMs`. */
  readonly transfer?: boolean
}

/** The parsed (normalised) response of an endpoint. */
export type ResponseOutputOf<E extends Endpoint> = E['response']['_output']

type Attempt =
  | { readonly response: Response }
  | { readonly error: KeelError; readonly retryable: boolean; readonly retryAfter?: string | null }

export class HttpClient {
  /** The server's base URL, without a trailing slash. */
  readonly baseUrl: string
  private readonly headers: Readonly<Record<string, string>>
  private readonly retry: RetryOptions
  private readonly timeoutMs: number
  private readonly transferTimeoutMs: number
  private readonly fetch: typeof fetch

  constructor(options: HttpOptions = {}) {
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init))
    this.baseUrl = resolveTrackingUri(options.trackingUri)
    this.headers = {
      'user-agent': `keel-sdk/${SDK_VERSION}`,
      'x-keel-user': currentUser(),
      ...authHeaders(options),
      ...options.headers,
    }
    this.retry = retryOptions(options.retry)
    const envTimeout = envInt('MLFLOW_HTTP_REQUEST_TIMEOUT')
    this.timeoutMs = options.timeoutMs ?? (envTimeout === undefined ? 120_000 : envTimeout * 1000)
    this.transferTimeoutMs = options.transferTimeoutMs ?? 3_600_000
  }

  /** Calls one endpoint of the REST API with a wire (snake_case) request; returns the parsed response. */
  async call<E extends Endpoint>(endpoint: E, request: RequestInputOf<E>): Promise<ResponseOutputOf<E>> {
    const { method, path, url, body } = buildRequest(endpoint, request as Record<string, unknown>)
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const response = await this.send(`${this.baseUrl}${url}`, {
      method,
      headers,
      ...(body !== undefined && { body: () => body }),
    })
    const text = await response.text()
    let json: unknown
    try {
      json = text.trim() === '' ? {} : JSON.parse(text)
    } catch {
      throw new KeelError(
        'INTERNAL_ERROR',
        `${endpoint.method} ${path} returned a body that is not JSON: ${text.slice(0, 200)}`,
      )
    }
    const parsed = endpoint.response.safeParse(json)
    if (!parsed.success) {
      throw new KeelError(
        'INTERNAL_ERROR',
        `${endpoint.method} ${path} returned an unexpected response: ${parsed.error.message}`,
      )
    }
    return parsed.data as ResponseOutputOf<E>
  }

  /**
   * Sends a request to an absolute URL and returns the 2xx response (body unread). Retries network
   * errors, timeouts and 429/502/503/504 with backoff; any other non-2xx throws its `KeelError`.
   */
  async send(url: string, init: SendInit): Promise<Response> {
    const what = `${init.method} ${new URL(url).pathname}`
    const started = Date.now()
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(url, init, what)
      if ('response' in result) return result.response
      const delay = backoffDelay(attempt, this.retry, result.retryAfter)
      const outOfTime = Date.now() + delay - started > this.retry.maxElapsedMs
      if (!result.retryable || attempt >= this.retry.maxAttempts || outOfTime) throw result.error
      await sleep(delay)
    }
  }

  private async attempt(url: string, init: SendInit, what: string): Promise<Attempt> {
    let response: Response
    try {
      response = await this.fetch(url, {
        method: init.method,
        headers: { ...this.headers, ...init.headers },
        body: init.body?.() ?? null,
        duplex: 'half',
        signal: AbortSignal.timeout(init.transfer ? this.transferTimeoutMs : this.timeoutMs),
      })
    } catch (error) {
      return networkError(error, what)
    }
    if (response.ok) return { response }
    const error = await errorFromResponse(response, what)
    return {
      error,
      retryable: RETRYABLE_STATUSES.has(response.status),
      retryAfter: response.headers.get('retry-after'),
    }
  }
}
