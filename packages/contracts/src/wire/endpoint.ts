import type { z } from 'zod'

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT'

/**
 * One RPC of the REST API: where it lives and what goes in and out. The server mounts it (under
 * `/api/2.0` and `/ajax-api/2.0` for MLflow's paths) and the SDK calls it; both type-check against
 * the same schemas.
 */
export interface Endpoint<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly method: HttpMethod
  /** Path below the API prefix, e.g. `/mlflow/runs/get`; `{name}` segments are path parameters. */
  readonly path: string
  /** Major API version the path is served under (`/api/<major>.0`). */
  readonly major: 2 | 3
  readonly summary: string
  readonly request: Req
  readonly response: Res
}

export function endpoint<Req extends z.ZodType, Res extends z.ZodType>(
  method: HttpMethod,
  path: string,
  summary: string,
  request: Req,
  response: Res,
  major: 2 | 3 = 2,
): Endpoint<Req, Res> {
  return Object.freeze({ method, path, major, summary, request, response })
}

export type RequestOf<E extends Endpoint> = z.output<E['request']>
export type RequestInputOf<E extends Endpoint> = z.input<E['request']>
export type ResponseOf<E extends Endpoint> = z.input<E['response']>
