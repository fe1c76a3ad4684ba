/**
 * The runs/search queries of the search benchmark, timed in rounds on one keep-alive connection
 * (one user at a time), with the server's CPU time per query read from /proc.
 */
import type { Client } from './http.js'
import { groupCpuMs } from './proc.js'
import { median, summarize, type Summary } from './stats.js'

const API = '/api/2.0/mlflow'
export const MAX_RESULTS = 100

export interface SearchQuery {
  readonly id: string
  readonly label: string
  readonly filter?: string
  readonly orderBy?: readonly string[]
}

export const QUERIES: readonly SearchQuery[] = [
  {
    id: 'filter-order',
    label: 'filter + order by metric',
    filter: "metrics.accuracy > 0.5 and params.depth = '5'",
    orderBy: ['metrics.loss ASC'],
  },
  { id: 'param-eq', label: "params.optimizer = 'adam'", filter: "params.optimizer = 'adam'" },
  { id: 'param-like', label: "params.alpha LIKE '0.0%'", filter: "params.alpha LIKE '0.0%'" },
  { id: 'default', label: 'default order, no filter' },
]

export function payload(q: SearchQuery, experimentId: string): string {
  return JSON.stringify({
    experiment_ids: [experimentId],
    ...(q.filter !== undefined && { filter: q.filter }),
    ...(q.orderBy !== undefined && { order_by: q.orderBy }),
    max_results: MAX_RESULTS,
  })
}

/** The run names of an answer, in order, and whether it says there is a next page. */
export function answerOf(raw: string): { names: string[]; nextPage: boolean } {
  const body = JSON.parse(raw) as { runs?: { info: { run_name: string } }[]; next_page_token?: string }
  return { names: (body.runs ?? []).map((r) => r.info.run_name), nextPage: Boolean(body.next_page_token) }
}

export interface QueryTiming {
  readonly latencyMs: Summary
  /** The median of each round's samples (their min and max are the spread between rounds). */
  readonly roundMediansMs: number[]
  readonly cpuMsPerQuery: number
  /** The database server's CPU per query (PostgreSQL), when it is a server of its own. */
  readonly databaseCpuMsPerQuery?: number
}

/**
 * `rounds` rounds; in each, every query `perRound` times in turn (so a slow moment hits all queries
 * alike). The warm-up requests are untimed.
 */
export async function timeQueries(
  c: Client,
  experimentId: string,
  pgid: number,
  plan: { rounds: number; perRound: number; warmup: number },
  onRound: (round: number) => void,
  databaseCpuMs?: () => number,
): Promise<Record<string, QueryTiming>> {
  const bodies = QUERIES.map((q) => payload(q, experimentId))
  for (const body of bodies) for (let i = 0; i < plan.warmup; i++) await c.send('POST', `${API}/runs/search`, body)
  const samples = QUERIES.map(() => [] as number[])
  const perRound = QUERIES.map(() => [] as number[])
  const cpu = QUERIES.map(() => 0)
  const dbCpu = QUERIES.map(() => 0)
  for (let round = 0; round < plan.rounds; round++) {
    for (const [qi, body] of bodies.entries()) {
      const these: number[] = []
      const cpu0 = groupCpuMs(pgid)
      const db0 = databaseCpuMs?.() ?? 0
      for (let i = 0; i < plan.perRound; i++) these.push((await c.send('POST', `${API}/runs/search`, body)).ms)
      cpu[qi] = (cpu[qi] ?? 0) + groupCpuMs(pgid) - cpu0
      dbCpu[qi] = (dbCpu[qi] ?? 0) + (databaseCpuMs?.() ?? 0) - db0
      samples[qi]?.push(...these)
      perRound[qi]?.push(median(these))
    }
    onRound(round)
  }
  return Object.fromEntries(
    QUERIES.map((q, qi) => [
      q.id,
      {
        latencyMs: summarize(samples[qi] ?? []),
        roundMediansMs: perRound[qi] ?? [],
        cpuMsPerQuery: (cpu[qi] ?? 0) / (plan.rounds * plan.perRound),
        ...(databaseCpuMs && { databaseCpuMsPerQuery: (dbCpu[qi] ?? 0) / (plan.rounds * plan.perRound) }),
      },
    ]),
  )
}
