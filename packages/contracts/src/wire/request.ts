/**
 * How a client puts one call of an endpoint table on the wire, as MLflow's client does: path
 * parameters filled in, a GET's fields in the query string, any other method's whole message as a
 * JSON body. Pure (no transport): the SDK sends the result with fetch, retries and credentials, the
 * UI with the browser's session.
 */
import type { z } from 'zod'
import { KeelError } from '../errors.js'
import type { Endpoint, HttpMethod } from './endpoint.js'

/** What a client gets from an endpoint once its response schema has parsed the body. */
export type ParsedResponseOf<E extends Endpoint> = z.output<E['response']>

export interface WireRequest {
  readonly method: HttpMethod
  /** The endpoint's path with its parameters filled in and percent-encoded, e.g. `/mlflow/logged-models/m-1`. */
  readonly path: string
  /** `<prefix>/<major>.0<path>`, with the query string of a GET (`?a=1&a=2`) when it has fields. */
  readonly url: string
  /** The JSON body of any method but GET (path parameters included: MLflow's server wants them there). */
  readonly body?: string
}

/**
 * Builds the request for one call of `endpoint`. `prefix` is where the server mounts the API:
 * `/api` for clients, `/ajax-api` for the browser UI. Throws `INVALID_PARAMETER_VALUE` naming a
 * path parameter that is missing or empty, or a GET field that cannot go in a query string.
 */
export function buildRequest(
  endpoint: Endpoint,
  request: Readonly<Record<string, unknown>>,
  prefix = '/api',
): WireRequest {
  const isGet = endpoint.method === 'GET'
  const { path, rest } = fillPath(endpoint.path, request, !isGet)
  const base = `${prefix}/${endpoint.major}.0${path}`
  if (!isGet) return { method: endpoint.method, path, url: base, body: JSON.stringify(rest) }
  const query = toQueryString(rest)
  return { method: endpoint.method, path, url: query === '' ? base : `${base}?${query}` }
}

/** Substitutes the `{name}` segments of an endpoint path; unless kept in the body, the used fields leave the request. */
function fillPath(
  template: string,
  request: Readonly<Record<string, unknown>>,
  keepInBody: boolean,
): { path: string; rest: Record<string, unknown> } {
  const rest = { ...request }
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = rest[name]
    if (value === undefined || value === null || value === '')
      throw KeelError.invalid(`Missing path parameter '${name}'`)
    if (!keepInBody) delete rest[name]
    return encodeURIComponent(String(value))
  })
  return { path, rest }
}

/** MLflow's GET encoding: one key per scalar, repeated keys for arrays, booleans as true/false. */
function toQueryString(request: Readonly<Record<string, unknown>>): string {
  const query = new URLSearchParams()
  for (const [key, value] of Object.entries(request)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined || item === null) continue
      if (typeof item === 'object') throw KeelError.invalid(`Field '${key}' cannot be sent in a query string`)
      query.append(key, String(item))
    }
  }
  return query.toString()
}
