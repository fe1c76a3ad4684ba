/**
 * The model server's wire I/O on Node's `http` module: a request body read within a limit (a 413
 * before or while it is read; a client that goes away is `ClientGone`, logged as 499), answers
 * sent with their length, each protocol's error body, and path segments decoded or refused.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { decodeUtf8 } from '@keel/contracts'
import { ProtocolError, badRequest, tooLarge } from './protocol/protocol-error.js'

const JSON_TYPE = 'application/json'

export function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
  type = JSON_TYPE,
): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers })
  res.end(body)
}

/** The client went away (reset or closed the connection) before its request body was read. */
export class ClientGone extends Error {}

/** nginx's status for a request whose client closed the connection: counted, never answered. */
export const CLIENT_CLOSED = 499

/** Reads the body up to `limit` bytes; a larger body is a 413 before (or while) it is read. */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'])
  if (declared > limit) return Promise.reject(tooLarge(limit))
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        req.removeAllListeners('data')
        req.resume()
        reject(tooLarge(limit))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      try {
        resolve(decodeUtf8(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
      } catch (error) {
        reject(error)
      }
    })
    req.on('error', () => reject(new ClientGone('The client closed the connection before sending the whole body')))
    req.on('close', () => {
      if (!req.complete) reject(new ClientGone('The client closed the connection before sending the whole body'))
    })
  })
}

/** A percent-encoded path segment, decoded; a 400 when it is not valid UTF-8 percent-encoding. */
export function pathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw badRequest(`The path segment '${raw.slice(0, 100)}' is not valid percent-encoded UTF-8`)
  }
}

/**
 * The error body of a protocol: v2's `{error}` or MLflow's `{error_code, message}`; 5xx details
 * stay in the log, except 503 and 504 (overloaded, a worker gone, a timeout), whose message says
 * what to do.
 */
export function errorBody(error: unknown, protocol: 'v2' | 'mlflow', status: number): string {
  const message =
    status >= 500 && !(error instanceof ProtocolError) && status !== 503 && status !== 504
      ? 'Internal error while predicting'
      : error instanceof Error
        ? error.message
        : String(error)
  if (protocol === 'v2') return JSON.stringify({ error: message })
  const code =
    error instanceof ProtocolError || (error as { code?: unknown })?.code !== undefined
      ? (error as { code: string }).code
      : 'INTERNAL_ERROR'
  return JSON.stringify({ error_code: code, message })
}
