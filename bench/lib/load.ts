/**
 * Runs one load test from a second process (bench/lib/load-child.ts under tsx) and, while it runs,
 * the CPU time of the server's process group, so a report can show how the machine's cores were
 * split between the server and the load generator.
 */
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { type LoadResult, type LoadSpec } from './load-child.js'
import { REPO_ROOT } from './servers.js'

export type { LoadRequest, LoadResult, LoadSpec } from './load-child.js'

const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx')
const CHILD = join(REPO_ROOT, 'bench/lib/load-child.ts')
const TICKS_PER_S = 100 // USER_HZ on Linux

export interface MeasuredLoad extends LoadResult {
  /** CPU seconds used by the server's process group during the run (NaN when unknown). */
  readonly serverCpuS: number
}

/** CPU seconds (user + system) of every process in the group `pgid`, from /proc. */
export function groupCpuSeconds(pgid: number): number {
  let ticks = 0
  let found = false
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // exited meanwhile
    }
    // Fields after the command name (which may hold spaces): state ppid pgrp ... utime(14) stime(15)
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(fields[2]) !== pgid) continue
    found = true
    ticks += Number(fields[11]) + Number(fields[12])
  }
  return found ? ticks / TICKS_PER_S : Number.NaN
}

export function runLoad(spec: LoadSpec, serverPgid?: number): Promise<MeasuredLoad> {
  const cpu0 = serverPgid === undefined ? Number.NaN : groupCpuSeconds(serverPgid)
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [CHILD, JSON.stringify(spec)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}:\n${err.slice(-3000)}`))
      const cpu1 = serverPgid === undefined ? Number.NaN : groupCpuSeconds(serverPgid)
      const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as LoadResult
      resolve({ ...result, serverCpuS: cpu1 - cpu0 })
    })
  })
}
