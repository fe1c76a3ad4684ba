/**
 * The ingestion benchmark's report: the keel/MLflow table per case, the log-metric round trip, the
 * memory of each server, and (on PostgreSQL) two replicas against one; and the results file's object.
 */
import { execFileSync } from 'node:child_process'
import { machine } from './harness.js'
import type { CaseResult } from './ingest-cases.js'
import { METRIC_KEYS, type RoundTripResult } from './ingest-workload.js'
import type { Backend } from './postgres.js'
import type { GroupMemory } from './proc.js'
import { REPO_ROOT } from './servers.js'
import { median, round } from './stats.js'
import { type Cell, fmt, renderTable } from './table.js'

export const GOAL_RATIO = 20

export interface TargetResult {
  readonly version: string
  readonly command: readonly string[]
  readonly cases: readonly CaseResult[]
  readonly logMetric: RoundTripResult
  /** Waited after start until the server was idle (ms). */
  readonly quietAfterStartMs: number
  readonly memory: { readonly idle: GroupMemory; readonly after: GroupMemory }
  /** SQL statements per log-batch request by batch size (pg_stat_statements), when counted. */
  readonly statementsPerRequest?: Record<
    string,
    {
      perRequest: number
      execMsPerRequest: number
      planMsPerRequest: number
      top: { calls: number; execMs: number; planMs: number; query: string }[]
    }
  >
}

export interface ReplicaCase {
  readonly clients: number
  readonly size: number
  readonly one: CaseResult
  readonly two: CaseResult
}

export interface IngestReport {
  readonly results: Partial<Record<'keel' | 'mlflow', TargetResult>>
  readonly backend: Backend
  readonly postgresVersion?: string
  readonly rounds: number
  readonly seconds: number
  readonly config: Record<string, unknown>
  readonly replicas?: { readonly version: string; readonly cases: readonly ReplicaCase[] }
  readonly replicasError?: string
}

const uptime = (): string => execFileSync('uptime', { encoding: 'utf8' }).trim()

const rate = (c: CaseResult | undefined): string =>
  c ? `${fmt(c.metricsPerSecond.median, 0)} (${fmt(c.metricsPerSecond.min, 0)}-${fmt(c.metricsPerSecond.max, 0)})` : '-'

/** Prints the tables and returns the results file's object. */
export function report(r: IngestReport): unknown {
  const k = r.results.keel
  const m = r.results.mlflow
  const pg = r.backend === 'postgres'
  const rows: Cell[][] = []
  const goals: Record<string, string> = {}
  const ratios: Record<string, number | null> = {}
  for (const kc0 of k?.cases ?? m?.cases ?? []) {
    const { clients, size } = kc0
    const kc = k?.cases.find((c) => c.clients === clients && c.size === size)
    const mc = m?.cases.find((c) => c.clients === clients && c.size === size)
    const ratio = kc && mc ? kc.metricsPerSecond.median / mc.metricsPerSecond.median : Number.NaN
    // The spread of the ratio: keel's worst round against MLflow's best, and the other way round.
    const spread =
      kc && mc
        ? `${fmt(kc.metricsPerSecond.min / mc.metricsPerSecond.max, 1)}-${fmt(kc.metricsPerSecond.max / mc.metricsPerSecond.min, 1)}`
        : ''
    ratios[`${clients}x${size}`] = Number.isNaN(ratio) ? null : round(ratio, 2)
    let status = ''
    if (size === 1000 && !Number.isNaN(ratio)) {
      status = ratio >= GOAL_RATIO ? 'MET' : 'NOT MET'
      goals[`${clients} client(s) x 1000`] = status
    }
    const pair = (f: (c: CaseResult) => number | undefined, d = 2, d2 = d): string =>
      kc || mc ? `${kc ? fmt(f(kc) ?? Number.NaN, d) : '-'} / ${mc ? fmt(f(mc) ?? Number.NaN, d2) : '-'}` : '-'
    rows.push([
      `${clients} x ${size}`,
      rate(kc),
      rate(mc),
      Number.isNaN(ratio) ? '-' : `${fmt(ratio, 1)}x (${spread})`,
      pair((c) => c.p50Ms),
      pair((c) => c.p99Ms),
      pair((c) => c.serverCpuMsPer1k, 2, 1),
      ...(pg ? [pair((c) => c.databaseCpuMsPer1k, 2, 1)] : []),
      status,
    ])
  }
  const store = pg ? `PostgreSQL ${r.postgresVersion ?? ''} (durable: fsync, full_page_writes on)` : 'SQLite'
  console.log(
    `\nTracking ingestion on ${store}: keel ${k?.version ?? '(skipped)'} vs MLflow ${m?.version ?? '(skipped)'}`,
  )
  const mach = machine()
  console.log(
    `${mach.cpus} CPUs (${mach.cpuModel ?? '?'}), Node ${mach.node}, load avg ${mach.loadavg.join(' ')}; ` +
      `${r.rounds} rounds of ${r.seconds} s per case after a warm-up; ratio = keel / MLflow metrics/s (medians; spread: worst vs best round)`,
  )
  console.log(
    `\n${renderTable(
      [
        'clients x metrics/batch',
        'keel metrics/s',
        'mlflow metrics/s',
        'ratio',
        'p50 ms keel / mlflow',
        'p99 ms keel / mlflow',
        'server CPU ms/1k metrics',
        ...(pg ? ['PostgreSQL CPU ms/1k'] : []),
        `goal >= ${GOAL_RATIO}x`,
      ],
      rows,
    )}\n`,
  )
  const rt = (t: TargetResult | undefined, f: (x: RoundTripResult) => number): string =>
    t ? fmt(f(t.logMetric), 3) : '-'
  console.log(
    renderTable(
      ['log-metric round trip (ms)', 'keel', 'mlflow'],
      [
        ['p50', rt(k, (x) => x.latencyMs.p50), rt(m, (x) => x.latencyMs.p50)],
        ['p99', rt(k, (x) => x.latencyMs.p99), rt(m, (x) => x.latencyMs.p99)],
        ['floor: GET /health p50', rt(k, (x) => x.healthMs.p50), rt(m, (x) => x.healthMs.p50)],
      ],
    ),
  )
  const mem = (t: TargetResult | undefined, f: (x: TargetResult['memory']) => number, d = 1): string =>
    t ? fmt(f(t.memory), d) : '-'
  console.log(
    `\n${renderTable(
      ['memory (MB, all processes of the server)', 'keel', 'mlflow'],
      [
        ['RSS summed, idle after start', mem(k, (x) => x.idle.rssMb), mem(m, (x) => x.idle.rssMb)],
        ['RSS summed, after the workload', mem(k, (x) => x.after.rssMb), mem(m, (x) => x.after.rssMb)],
        ['PSS summed, idle after start', mem(k, (x) => x.idle.pssMb), mem(m, (x) => x.idle.pssMb)],
        ['PSS summed, after the workload', mem(k, (x) => x.after.pssMb), mem(m, (x) => x.after.pssMb)],
        ['processes', mem(k, (x) => x.after.processes, 0), mem(m, (x) => x.after.processes, 0)],
      ],
    )}\n`,
  )
  for (const [name, t] of [
    ['keel', k],
    ['mlflow', m],
  ] as const) {
    for (const [size, s] of Object.entries(t?.statementsPerRequest ?? {}))
      console.log(
        `${name}: per log-batch of ${size} metrics: ${fmt(s.perRequest, 1)} SQL statements; PostgreSQL ${fmt(s.execMsPerRequest)} ms executing, ${fmt(s.planMsPerRequest)} ms planning`,
      )
  }
  const shown = (t: TargetResult | undefined): string =>
    t
      ? t.command
          .map((a) => a.replace(`${REPO_ROOT}/`, '').replace(/(postgresql[a-z0-9+]*:\/\/[^:]+:)[^@]+@/, '$1***@'))
          .join(' ')
      : '(skipped)'
  console.log(`keel run as:   ${shown(k)}`)
  console.log(`mlflow run as: ${shown(m)}`)
  console.log(`metric keys (10 per step): ${METRIC_KEYS.join(', ')}`)
  console.log(`uptime: ${uptime()}`)
  return {
    benchmark: 'tracking-ingest',
    backend: r.backend,
    ...(r.postgresVersion && { postgres: { version: r.postgresVersion, durable: true } }),
    date: new Date().toISOString(),
    machine: { ...mach, platform: `${process.platform}-${process.arch}` },
    uptime: uptime(),
    config: { ...r.config, rounds: r.rounds, seconds: r.seconds },
    results: { keel: k ?? null, mlflow: m ?? null },
    ratios,
    goals: { ratio: GOAL_RATIO, status: goals },
    ...(r.replicas && { replicas: r.replicas }),
    ...(r.replicasError !== undefined && { replicasError: r.replicasError }),
  }
}

/** Two keel replicas on one PostgreSQL database against one, the same clients. */
export function replicaTable(replicas: NonNullable<IngestReport['replicas']>): void {
  const rows: Cell[][] = replicas.cases.map(({ clients, size, one, two }) => {
    const each = (c: CaseResult): string =>
      c.rounds.length > 0
        ? (c.rounds[0]?.serverCpuMsPer1kEach.length ?? 0) > 1
          ? ` (${[0, 1].map((i) => fmt(median(c.rounds.map((x) => x.serverCpuMsPer1kEach[i] ?? Number.NaN)))).join(' + ')})`
          : ''
        : ''
    return [
      `${clients} x ${size}`,
      rate(one),
      rate(two),
      `${fmt(two.metricsPerSecond.median / one.metricsPerSecond.median, 2)}x`,
      `${fmt(one.p50Ms)} / ${fmt(two.p50Ms)}`,
      `${fmt(one.serverCpuMsPer1k)} / ${fmt(two.serverCpuMsPer1k)}${each(two)}`,
      `${fmt(one.databaseCpuMsPer1k ?? Number.NaN)} / ${fmt(two.databaseCpuMsPer1k ?? Number.NaN)}`,
      `${fmt(one.clientCpuMsPer1k)} / ${fmt(two.clientCpuMsPer1k)}`,
      `${fmt(one.coresBusy)} / ${fmt(two.coresBusy)}`,
    ]
  })
  console.log(
    `\nTwo keel replicas on one PostgreSQL database vs one keel server (keel ${replicas.version}), the same clients ` +
      '(client i on replica i mod 2), rounds in turn; CPU in ms per 1,000 metrics, medians of the rounds',
  )
  console.log(
    `\n${renderTable(
      [
        'clients x metrics/batch',
        '1 replica metrics/s',
        '2 replicas metrics/s',
        '2 / 1',
        'p50 ms 1 / 2',
        'keel CPU 1 / 2 (each)',
        'PostgreSQL CPU 1 / 2',
        'load generator CPU 1 / 2',
        'cores busy 1 / 2',
      ],
      rows,
    )}\n`,
  )
}
