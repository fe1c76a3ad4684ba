/**
 * Runs one load test from a second process and, while it runs, the CPU time of the server's process
 * group, so a report can show how the machine's cores were split between the server and the load
 * generator.
 *
 * Closed-loop max throughput (`mode: 'max'`) comes from wrk (bench/lib/wrk.ts) when it is installed
 * and asked for, else from autocannon in bench/lib/load-child.ts; the paced open-loop generator
 * and autocannon's overallRate are always load-child.ts. The generator can be pinned to cores
 * (`taskset -c`), so it takes its CPU where the report says.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import type { LoadResult, LoadSpec } from './load-child.js'
import { groupCpuSeconds } from './proc.js'
import { REPO_ROOT } from './servers.js'
import { runWrk, wrkAvailable } from './wrk.js'

export type { LoadRequest, LoadResult, LoadSpec } from './load-child.js'

const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx')
const CHILD = join(REPO_ROOT, 'bench/lib/load-child.ts')

export interface MeasuredLoad extends LoadResult {
  /** CPU seconds used by the server's process group during the run (NaN when unknown). */
  readonly serverCpuS: number
  /** What produced the load: `wrk`, `autocannon` or `paced` (load-child.ts's open loop). */
  readonly generator: string
}

export interface LoadOptions {
  /** Closed-loop generator for `mode: 'max'` (default autocannon). wrk falls back to autocannon when not installed. */
  readonly generator?: 'wrk' | 'autocannon'
  /** The generator's cores, as `taskset -c` takes them ("1", "0,1"); unpinned when undefined. */
  readonly cores?: string
}

export async function runLoad(spec: LoadSpec, serverPgid?: number, options: LoadOptions = {}): Promise<MeasuredLoad> {
  const cpu0 = serverPgid === undefined ? Number.NaN : groupCpuSeconds(serverPgid)
  const cpuS = (): number => (serverPgid === undefined ? Number.NaN : groupCpuSeconds(serverPgid) - cpu0)
  if (spec.mode === 'max' && options.generator === 'wrk' && wrkAvailable()) {
    const result = await runWrk(spec, options.cores)
    return { ...result, serverCpuS: cpuS(), generator: 'wrk' }
  }
  const result = await runChild(spec, options.cores)
  return { ...result, serverCpuS: cpuS(), generator: spec.mode === 'paced' ? 'paced' : 'autocannon' }
}

function runChild(spec: LoadSpec, cores: string | undefined): Promise<LoadResult> {
  const [exe, ...args] = [...(cores === undefined ? [] : ['taskset', '-c', cores]), TSX, CHILD, JSON.stringify(spec)]
  return new Promise((resolve, reject) => {
    const child = spawn(exe!, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}:\n${err.slice(-3000)}`))
      resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as LoadResult)
    })
  })
}
