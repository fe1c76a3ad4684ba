/**
 * A case of the ingestion benchmark (n clients x a batch size) run on one or more setups: a setup is
 * one server, or several replicas on one store with the clients split across them (client i talks to
 * replica i mod n). Several setups in one case take their rounds in turn (setup A's round 1, B's
 * round 1, A's round 2, ...), so that a slow moment of a shared machine falls on all of them alike.
 */
import { loadavg } from 'node:os'
import { Client } from './http.js'
import { type CpuGroups, createRun, type IngestRound, ingestRound, type Lane } from './ingest-workload.js'
import type { ServerHandle } from './servers.js'
import { median } from './stats.js'

export interface Setup {
  readonly label: string
  readonly servers: readonly ServerHandle[]
  readonly experimentId: string
  /** CPU time of the database server (ms), when it is a server of its own (PostgreSQL). */
  readonly databaseCpuMs?: () => number
}

export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
}

export interface CaseResult {
  readonly clients: number
  readonly size: number
  readonly rounds: readonly IngestRound[]
  readonly metricsPerSecond: Spread
  readonly p50Ms: number
  readonly p99Ms: number
  /** Medians over the rounds: every server process group (summed over replicas), the database, this process. */
  readonly serverCpuMsPer1k: number
  readonly databaseCpuMsPer1k?: number
  readonly clientCpuMsPer1k: number
  /** CPU seconds per second of the round (median): servers + database + load generator. */
  readonly coresBusy: number
  readonly loadavg: readonly number[]
}

const spread = (xs: readonly number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) })

function summarizeCase(clients: number, size: number, done: IngestRound[], loads: number[]): CaseResult {
  const db = done.map((d) => d.databaseCpuMsPer1k).filter((x): x is number => x !== undefined)
  const busy = done.map(
    (d) => ((d.serverCpuMsPer1k + (d.databaseCpuMsPer1k ?? 0) + d.clientCpuMsPer1k) * d.metricsPerSecond) / 1_000_000,
  )
  return {
    clients,
    size,
    rounds: done,
    metricsPerSecond: spread(done.map((d) => d.metricsPerSecond)),
    p50Ms: median(done.map((d) => d.latencyMs.p50)),
    p99Ms: median(done.map((d) => d.latencyMs.p99)),
    serverCpuMsPer1k: median(done.map((d) => d.serverCpuMsPer1k)),
    ...(db.length > 0 && { databaseCpuMsPer1k: median(db) }),
    clientCpuMsPer1k: median(done.map((d) => d.clientCpuMsPer1k)),
    coresBusy: median(busy),
    loadavg: loads,
  }
}

/** Runs one case (`clients` x `size`) on every setup, rounds in turn; one result per setup. */
export async function runCase(
  setups: readonly Setup[],
  clients: number,
  size: number,
  rounds: number,
  seconds: number,
): Promise<CaseResult[]> {
  // One connection pool per server of each setup, as many connections as clients it serves.
  const pools = setups.map((s) =>
    s.servers.map((server, k) => new Client(server.url, Math.ceil((clients - k) / s.servers.length))),
  )
  try {
    const lanesOf: Lane[][] = []
    for (const [si, s] of setups.entries()) {
      const lanes: Lane[] = []
      for (let i = 0; i < clients; i++) {
        const client = pools[si]?.[i % s.servers.length] as Client
        lanes.push({ client, runId: await createRun(client, s.experimentId, `ingest-${clients}x${size}-${i}`) })
      }
      lanesOf.push(lanes)
    }
    const cpuOf = (s: Setup): CpuGroups => ({
      servers: s.servers.map((x) => x.pid),
      ...(s.databaseCpuMs && { database: s.databaseCpuMs }),
    })
    const next = setups.map(() => Array.from({ length: clients }, () => 0))
    // The warm-up also says how many request bodies to make ready for a round: three times its rate
    // (past that they are made as needed). A keep-alive connection idle for 5 s is closed by the
    // server (Node's keepAliveTimeout), and one setup's connections wait while another's round runs.
    const expected: number[] = []
    for (const [si, s] of setups.entries()) {
      const warm = await ingestRound(lanesOf[si] ?? [], next[si] ?? [], size, Math.min(seconds, 1), cpuOf(s), 300_000)
      expected.push(Math.min(1_000_000, 3 * warm.metricsPerSecond + 1000))
    }
    const done = setups.map(() => [] as IngestRound[])
    const loads = setups.map(() => [] as number[])
    for (let r = 0; r < rounds; r++) {
      for (const [si, s] of setups.entries()) {
        const round = await ingestRound(lanesOf[si] ?? [], next[si] ?? [], size, seconds, cpuOf(s), expected[si])
        done[si]?.push(round)
        loads[si]?.push(loadavg()[0] ?? Number.NaN)
      }
    }
    return setups.map((_, si) => summarizeCase(clients, size, done[si] ?? [], loads[si] ?? []))
  } finally {
    for (const p of pools) for (const c of p) c.close()
  }
}
