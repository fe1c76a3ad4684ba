/**
 * Calls keel's own REST extensions (`/api/2.0/keel/...`) the way the tests need: GET with a query,
 * POST with JSON; returns the status and the parsed body.
 */
import { expect } from 'vitest'
import type { KeelTarget } from './keel-app.js'
import { targetOf } from './keel-server.js'

export type KeelReply = { status: number; json: any }

export async function keelCall(
  target: string | KeelTarget,
  method: 'GET' | 'POST',
  path: string,
  body?: Record<string, unknown>,
): Promise<KeelReply> {
  const { url: base, fetch } = targetOf(target)
  let url = `${base}/api/2.0/keel/${path}`
  const init: RequestInit = { method }
  if (method === 'GET' && body) url += `?${new URLSearchParams(body as Record<string, string>)}`
  else if (body !== undefined) {
    init.body = JSON.stringify(body)
    init.headers = { 'content-type': 'application/json' }
  }
  // A kept-alive socket the server closed while the test waited (its 5 s keep-alive timeout) fails
  // before the request is sent: once, send it again on a new connection.
  const res = await fetch(url, init).catch((error: Error & { cause?: { code?: string } }) => {
    if (error.cause?.code !== 'UND_ERR_SOCKET') throw error
    return fetch(url, init)
  })
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : {} }
}

/** The body of a 200 answer; any other status fails the test with the body. */
export async function ok(reply: Promise<KeelReply>): Promise<any> {
  const { status, json } = await reply
  expect(status, JSON.stringify(json)).toBe(200)
  return json
}
