/**
 * What bench/serving.bench.ts sends: single-row requests of the iris rows in MLflow's scoring
 * protocol (`/invocations`, dataframe_split) and the Open Inference Protocol v2 (one tensor per
 * signature column, datatypes from the server's own model metadata), and the check that a server
 * answers every row as expected before it is timed.
 */
import { Client } from './http.js'
import type { LoadRequest } from './load.js'

export type Protocol = 'invocations' | 'v2'

/** A server has worked off an earlier run's queue once 4 requests at once all answer within this. */
const SETTLED_MS = 250

export interface V2Metadata {
  readonly name: string
  readonly inputs: readonly { readonly name: string; readonly datatype: string }[]
}

/** One `/invocations` request per row: `{"dataframe_split": {"columns": [...], "data": [[...]]}}`. */
export function invocationRequests(columns: readonly string[], data: readonly (readonly number[])[]): LoadRequest[] {
  return data.map((row) => ({
    method: 'POST',
    path: '/invocations',
    body: JSON.stringify({ dataframe_split: { columns, data: [row] } }),
  }))
}

/** One v2 infer request per row: a `[1]`-shaped tensor per column, typed as the metadata says. */
export function v2Requests(
  meta: V2Metadata,
  columns: readonly string[],
  data: readonly (readonly number[])[],
): LoadRequest[] {
  const types = new Map(meta.inputs.map((i) => [i.name, i.datatype]))
  for (const c of columns)
    if (!types.has(c))
      throw new Error(`v2 metadata of ${meta.name} has no input '${c}': ${JSON.stringify(meta.inputs)}`)
  return data.map((row) => ({
    method: 'POST',
    path: `/v2/models/${encodeURIComponent(meta.name)}/infer`,
    body: JSON.stringify({
      inputs: columns.map((c, i) => ({ name: c, shape: [1], datatype: types.get(c), data: [row[i]] })),
    }),
  }))
}

/** A prediction as a number: keel answers `0`, MLflow's ONNX pyfunc `{"label": 0}`. */
function asNumber(p: unknown): number {
  if (typeof p === 'number') return p
  if (p !== null && typeof p === 'object') {
    const values = Object.values(p)
    if (values.length === 1 && typeof values[0] === 'number') return values[0]
  }
  throw new Error(`unexpected prediction ${JSON.stringify(p)}`)
}

/** The single prediction in a response body of either protocol. */
export function predictionOf(protocol: Protocol, body: string): number {
  const parsed = JSON.parse(body) as { predictions?: unknown[]; outputs?: { data?: unknown[] }[] }
  const values = protocol === 'invocations' ? parsed.predictions : parsed.outputs?.[0]?.data
  if (!Array.isArray(values) || values.length !== 1)
    throw new Error(`expected one prediction, got ${body.slice(0, 200)}`)
  return asNumber(values[0])
}

/**
 * Sends every request once, one at a time, and compares the answers with `expected` (row by row).
 * Throws naming the first rows that differ.
 */
export async function checkPredictions(
  baseUrl: string,
  protocol: Protocol,
  requests: readonly LoadRequest[],
  expected: readonly number[],
): Promise<void> {
  const client = new Client(baseUrl)
  try {
    const wrong: string[] = []
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i]!
      const got = predictionOf(protocol, (await client.send(r.method, r.path, r.body)).body)
      if (got !== expected[i]) wrong.push(`row ${i}: ${got} (expected ${expected[i]})`)
    }
    if (wrong.length > 0)
      throw new Error(
        `${baseUrl} ${protocol}: ${wrong.length} of ${requests.length} rows differ: ${wrong.slice(0, 5).join('; ')}`,
      )
  } finally {
    client.close()
  }
}

/**
 * Waits until the server has worked off what an earlier run left (a server keeps answering the
 * requests of connections the generator closed): 4 requests at once until all answer within
 * SETTLED_MS, for 60 s at most. Returns the milliseconds waited.
 */
export async function settle(url: string, request: LoadRequest): Promise<number> {
  const t0 = performance.now()
  while (performance.now() - t0 < 60_000) {
    const clients = Array.from({ length: 4 }, () => new Client(url))
    try {
      const answers = await Promise.all(clients.map((c) => c.send(request.method, request.path, request.body)))
      if (Math.max(...answers.map((a) => a.ms)) < SETTLED_MS) break
    } finally {
      for (const c of clients) c.close()
    }
  }
  return performance.now() - t0
}
