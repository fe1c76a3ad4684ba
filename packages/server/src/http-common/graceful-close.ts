/**
 * Closing an HTTP server without waiting on its clients: stop accepting at once, close idle
 * keep-alive connections at once, let requests in flight finish within a bound and close each of
 * their connections as soon as its response is done, then cut whatever is left. A plain
 * `server.close()` waits for every keep-alive connection to be closed by its client.
 */
import type { Server, ServerResponse } from 'node:http'

/** How long requests in flight may take to finish after SIGTERM (`--graceful-timeout`). */
export const DEFAULT_GRACEFUL_TIMEOUT_MS = 10_000

export interface GracefulCloser {
  /** Resolves once every connection is closed: when the requests in flight are done, or at `graceMs`. */
  close(graceMs: number): Promise<void>
}

export function gracefulCloser(server: Server): GracefulCloser {
  const inFlight = new Set<ServerResponse>()
  let closing = false
  const onFinish = (res: ServerResponse) => {
    inFlight.delete(res)
    // The connection is idle once its response is written: close it instead of keeping it alive.
    if (closing) setImmediate(() => server.closeIdleConnections())
  }
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res)
    if (closing) res.setHeader('Connection', 'close')
    res.once('close', () => onFinish(res))
  })
  let closed: Promise<void> | undefined
  return {
    close(graceMs) {
      closed ??= new Promise<void>((resolve) => {
        closing = true
        // A response not yet started tells its client this connection ends with it.
        for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close')
        const cut = setTimeout(() => server.closeAllConnections(), graceMs)
        server.close(() => {
          clearTimeout(cut)
          resolve()
        })
        server.closeIdleConnections()
      })
      return closed
    },
  }
}
