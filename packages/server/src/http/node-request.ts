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

/** The request body as a byte stream, never buffered here. */
export function requestBody(c: Context): AsyncIterable<Uint8Array> {
  return incoming(c) ?? ((c.req.raw.body ?? []) as unknown as AsyncIterable<Uint8Array>)
}
