/**
 * A minimal JSON-over-HTTP client on node:http with a keep-alive agent, used identically against
 * keel and MLflow so that both servers see the same connections and the same bytes.
 */
import http from 'node:http'

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what} -> HTTP ${status}: ${body.slice(0, 300)}`)
    this.name = 'HttpError'
  }
}

export interface Timed<T> {
  readonly ms: number
  readonly body: T
}

export class Client {
  private readonly agent: http.Agent
  private readonly host: string
  private readonly port: number

  /**
   * maxSockets bounds the connections opened; all are kept alive between requests. `authorization`
   * is sent with every request (a server with authentication on).
   */
  constructor(
    baseUrl: string,
    maxSockets = 1,
    private readonly authorization?: string,
  ) {
    const u = new URL(baseUrl)
    this.host = u.hostname
    this.port = Number(u.port)
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets })
  }

  /**
   * Sends a request and reads the whole response. `payload` is a pre-serialised JSON string so
   * that client-side serialisation stays out of the timed span. Resolves with the elapsed
   * milliseconds (request written -> last byte read) and the raw body; rejects on non-2xx.
   */
  send(method: 'GET' | 'POST', path: string, payload?: string): Promise<Timed<string>> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { accept: 'application/json' }
      if (this.authorization !== undefined) headers.authorization = this.authorization
      if (payload !== undefined) {
        headers['content-type'] = 'application/json'
        headers['content-length'] = Buffer.byteLength(payload)
      }
      const started = performance.now()
      const req = http.request(
        { host: this.host, port: this.port, method, path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', reject)
          res.on('end', () => {
            const ms = performance.now() - started
            const body = Buffer.concat(chunks).toString('utf8')
            const status = res.statusCode ?? 0
            if (status < 200 || status >= 300) reject(new HttpError(status, body, `${method} ${path}`))
            else resolve({ ms, body })
          })
        },
      )
      req.on('error', reject)
      req.end(payload)
    })
  }

  /** POSTs an object (or a pre-serialised string) and parses the JSON answer. */
  async post<T = Record<string, unknown>>(path: string, body: unknown): Promise<Timed<T>> {
    const payload = typeof body === 'string' ? body : JSON.stringify(body)
    const r = await this.send('POST', path, payload)
    return { ms: r.ms, body: (r.body ? JSON.parse(r.body) : {}) as T }
  }

  close(): void {
    this.agent.destroy()
  }
}

/** One GET on a fresh connection (readiness probes, /version); status 0 when unreachable. */
export function getText(
  url: string,
  timeoutMs = 2000,
  authorization?: string,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve) => {
    const headers = authorization === undefined ? {} : { authorization }
    const req = http.get(url, { timeout: timeoutMs, agent: false, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
      res.on('error', () => resolve({ status: 0, body: '', headers: {} }))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve({ status: 0, body: '', headers: {} }))
  })
}
