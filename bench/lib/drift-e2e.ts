/**
 * The monitoring benchmark's two sides as processes (bench/monitoring.bench.ts):
 * - `keel monitor drift -r REF -c CUR --json`, the built CLI as a user runs it, spawned under
 *   /usr/bin/time for its CPU time and peak RSS (wall time measured here, around the spawn);
 * - Evidently 0.7.23's read + Report([DataDriftPreset()]) (bench/python/drift_anchor.py);
 * and the per-column comparison of their tests, scores and verdicts.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ShapeSpec } from './drift-data.js'
import { REPO_ROOT } from './servers.js'

export interface KeelColumn {
  test: string
  score: number
  drifted: boolean
}

export interface CliRounds {
  wall_ms: number[]
  /** user + system CPU time of the process (all threads) */
  cpu_ms: number[]
  max_rss_mb: number[]
  columns: Record<string, KeelColumn>
  drifted: number
}

const KEEL_BIN = join(REPO_ROOT, 'packages/server/bin/keel.js')

/** `keel monitor drift --json` on two files, `rounds` times. */
export function runKeelCli(ref: string, cur: string, rounds: number): CliRounds {
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-time-'))
  const out: CliRounds = { wall_ms: [], cpu_ms: [], max_rss_mb: [], columns: {}, drifted: 0 }
  try {
    for (let i = 0; i < rounds; i++) {
      const timeFile = join(dir, `time-${i}`)
      const t = performance.now()
      const r = spawnSync(
        '/usr/bin/time',
        [
          '-f',
          '%U %S %M',
          '-o',
          timeFile,
          process.execPath,
          KEEL_BIN,
          'monitor',
          'drift',
          '-r',
          ref,
          '-c',
          cur,
          '--json',
        ],
        { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
      )
      const wall = performance.now() - t
      if (r.status !== 0) throw new Error(`keel monitor drift failed (${r.status}):\n${r.stderr}`)
      const [user, sys, rssKb] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number)
      out.wall_ms.push(wall)
      out.cpu_ms.push((user! + sys!) * 1000)
      out.max_rss_mb.push(rssKb! / 1024)
      if (i === 0) {
        const report = JSON.parse(r.stdout) as {
          drift: { number_of_drifted_columns: number }
          columns: { column: string; drift: { status: string; test?: string; score?: number; drifted?: boolean } }[]
        }
        out.drifted = report.drift.number_of_drifted_columns
        for (const c of report.columns) {
          if (c.drift.status !== 'ok')
            throw new Error(`keel: column ${c.column} is an error: ${JSON.stringify(c.drift)}`)
          out.columns[c.column] = { test: c.drift.test!, score: c.drift.score!, drifted: c.drift.drifted! }
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return out
}

export interface EvidentlyOut {
  versions: Record<string, string>
  rows: number
  read_s: number
  run_s: number
  /** CPU time of the report (all threads) */
  run_cpu_s: number
  max_rss_mb: number
  columns: Record<string, { method: string; threshold: number; score: number }>
}

/** drift_anchor.py on two files (Parquet or CSV); `rows` keeps the first rows of each. */
export function runEvidently(
  ref: string,
  cur: string,
  spec: ShapeSpec,
  rows: number | undefined,
  timeoutS: number,
): EvidentlyOut | { timedOut: true } {
  const args = [join(REPO_ROOT, 'bench/python/drift_anchor.py'), ref, cur, JSON.stringify(spec)]
  if (rows !== undefined) args.push(String(rows))
  const r = spawnSync(join(REPO_ROOT, '.venv/bin/python'), args, {
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    maxBuffer: 64 * 1024 * 1024,
  })
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return { timedOut: true }
  if (r.status !== 0) throw new Error(`drift_anchor.py failed:\n${r.stderr}`)
  return JSON.parse(r.stdout) as EvidentlyOut
}

const EVIDENTLY_TEST: Record<string, string> = {
  'Wasserstein distance (normed)': 'wasserstein',
  'Jensen-Shannon distance': 'jensenshannon',
}

/** Per column: keel's test must be Evidently's, the scores equal to 1e-6 relative, the verdicts equal. */
export function compareDrift(keel: Record<string, KeelColumn>, ev: EvidentlyOut, spec: ShapeSpec): string[] {
  const problems: string[] = []
  for (const name of [...spec.numerical, ...spec.categorical]) {
    const k = keel[name]
    const e = ev.columns[name]
    if (!k || !e) {
      problems.push(`${name}: missing on ${k ? 'Evidently' : 'keel'}'s side`)
      continue
    }
    // both default tests here are distances: Evidently's verdict is score >= threshold
    const eDrifted = e.score >= e.threshold
    if (EVIDENTLY_TEST[e.method] !== k.test) problems.push(`${name}: test ${k.test} vs Evidently's ${e.method}`)
    if (Math.abs(k.score - e.score) > 1e-6 * Math.abs(e.score) + 1e-12)
      problems.push(`${name}: score ${k.score} vs Evidently's ${e.score}`)
    if (k.drifted !== eDrifted) problems.push(`${name}: drifted ${k.drifted} vs Evidently's ${eDrifted}`)
  }
  return problems
}

/**
 * Evidently at full size, or, when it does not finish within the timeout, on a tenth of the rows
 * with its times extrapolated ×10 (linear).
 */
export function evidentlyOrExtrapolated(
  ref: string,
  cur: string,
  spec: ShapeSpec,
  rows: number,
  timeoutS: number,
  log: (msg: string) => void,
): { ev: EvidentlyOut; extrapolated: boolean } {
  const ev = runEvidently(ref, cur, spec, undefined, timeoutS)
  if (!('timedOut' in ev)) return { ev, extrapolated: false }
  const small = Math.round(rows / 10)
  log(`Evidently did not finish within ${timeoutS} s: running it on ${small} rows and EXTRAPOLATING linearly`)
  const e = runEvidently(ref, cur, spec, small, timeoutS)
  if ('timedOut' in e) throw new Error('Evidently timed out at a tenth of the rows too')
  const k = rows / small
  return {
    // the script reads the whole files before keeping the first rows: its read time is full-size
    ev: { ...e, run_s: e.run_s * k, run_cpu_s: e.run_cpu_s * k },
    extrapolated: true,
  }
}
