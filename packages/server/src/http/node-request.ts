/**
 * Reads of the incoming request that stay on Node's IncomingMessage when the app runs on Node.
 * Touching `c.req.raw` makes @hono/node-server build a full Web `Request` (headers object, abort
 * signal, body stream), which costs more than the rest of a small request; these helpers avoid it
 * and fall back to the standard Request elsewhere (tests through `app.request`).
 */
import type { IncomingMessage } from 'node:http'
import type { Context } from 'hono'

function incoming(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
}

export function requestHeader(c: Context, name: string): string | undefined {
  const node = incoming(c)
  if (!node) return c.req.header(name)
  const value = node.headers[name.toLowerCase()]
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * The request body as a byte stream, never buffered here. With `keepOpen`, a reader that stops
 * early (a limit refused the body) leaves the request open, so that its refusal can still be
 * answered (see discardRestOfBody); otherwise stopping destroys the request and its connection.
 */
export function requestBody(c: Context, options: { keepOpen?: boolean } = {}): AsyncIterable<Uint8Array> {
  const node = incoming(c)
  if (node) return options.keepOpen ? { [Symbol.asyncIterator]: () => node.iterator({ destroyOnReturn: false }) } : node
  return (c.req.raw.body ?? []) as unknown as AsyncIterable<Uint8Array>
}

/**
 * For a request refused before its body was read: reads and drops what the client is still
 * sending, so it gets to read the answer (closing a socket with unread data resets it, and a
 * client still writing may lose the answer), and closes the connection once `maxBytes` or `maxMs`
 * are spent on it, so a refused 5 GB upload is not received anyway.
 */
export function discardRestOfBody(c: Context, bounds: { maxBytes: number; maxMs: number }): void {
  const node = incoming(c)
  if (!node || node.complete || node.destroyed) return
  let dropped = 0
  const cut = () => node.socket?.destroy()
  const timer = setTimeout(cut, bounds.maxMs).unref()
  node.on('data', (chunk: Buffer) => {
    dropped += chunk.byteLength
    if (dropped > bounds.maxBytes) cut()
  })
  node.once('close', () => clearTimeout(timer))
  node.resume()
}

/** The peer's address (the socket's; a proxy's forwarded headers are not trusted). */
export function remoteAddress(c: Context): string {
  // A request destroyed mid-body (an upload refused while streaming, a client gone) has no socket.
  return incoming(c)?.socket?.remoteAddress ?? 'unknown'
}

/** nginx's "client closed request": the status logged for a request its client abandoned. */
export const CLIENT_CLOSED_REQUEST = 499

/**
 * True when the client went away before its request was read in full (it closed or reset the
 * connection mid-body): what failed is the client's request, not the server.
 */
export function clientAborted(c: Context): boolean {
  const node = incoming(c)
  if (node) return !node.complete && (node.destroyed || node.socket?.destroyed === true)
  return c.req.raw.signal.aborted
}
