/**
 * A server's processes, read from /proc: a server started detached leads its own process group, so
 * the group is the server with all its workers (uvicorn workers, Node cluster workers, Python
 * workers). CPU time (user + system) and resident memory of the whole group.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** The processes of process group `pgid` (a server started detached leads its own group). */
export function groupPids(pgid: number): number[] {
  const pids: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // Fields after the command name (which may hold spaces), from field 3: state ppid pgrp ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) === pgid) pids.push(Number(name))
    } catch {
      /* the process ended meanwhile */
    }
  }
  return pids
}

export interface GroupMemory {
  /** VmRSS of every process, summed (MB): pages shared between processes count once per process. */
  readonly rssMb: number
  /** Pss of every process, summed (MB): each shared page split between the processes that map it. */
  readonly pssMb: number
  readonly processes: number
  /** The command line of each process, shortened. */
  readonly commands: readonly string[]
}

/** The resident memory of every process in the group (a server and all its workers). */
export function groupMemory(pgid: number): GroupMemory {
  let rssKb = 0
  let pssKb = 0
  const commands: string[] = []
  const pids = groupPids(pgid)
  for (const pid of pids) {
    try {
      rssKb += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
      pssKb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0)
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
      commands.push(
        argv
          .map((a) => a.replace(/^.*\/(?=[^/]+$)/, ''))
          .join(' ')
          .slice(0, 100),
      )
    } catch {
      /* ended */
    }
  }
  return { rssMb: rssKb / 1024, pssMb: pssKb / 1024, processes: pids.length, commands }
}

/**
 * Waits until the group has used less than `maxShare` of a core over a `windowMs` window (a server
 * that starts background processes, as `mlflow server` does, is busy for a while after it answers),
 * or `timeoutMs` has passed. Returns how long it waited (ms).
 */
export async function waitQuiet(pgid: number, windowMs = 1000, maxShare = 0.1, timeoutMs = 60_000): Promise<number> {
  const started = Date.now()
  for (;;) {
    const before = groupCpuMs(pgid)
    await new Promise((r) => setTimeout(r, windowMs))
    const used = groupCpuMs(pgid) - before
    if (used < windowMs * maxShare || Date.now() - started > timeoutMs) return Date.now() - started
  }
}

const TICK_MS = 10 // USER_HZ is 100 on Linux

/** User + system CPU time of every process in the group (ms). */
export function groupCpuMs(pgid: number): number {
  let ticks = 0
  for (const pid of groupPids(pgid)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14 and 15)
    } catch {
      /* ended */
    }
  }
  return ticks * TICK_MS
}

/** User + system CPU time of every process in the group (s); NaN when the group has no process. */
export function groupCpuSeconds(pgid: number): number {
  return groupPids(pgid).length === 0 ? Number.NaN : groupCpuMs(pgid) / 1000
}

/**
 * CPU time (ms) of a process and all its descendants, including those that have exited (their time
 * is in their parent's cutime/cstime once reaped). For servers whose workers leave the process group:
 * PostgreSQL's postmaster puts each backend and background worker in a session of its own, so its
 * CPU is the postmaster's tree, not a group.
 */
export function treeCpuMs(rootPid: number): number {
  const children = new Map<number, number[]>()
  const times = new Map<number, { own: number; reaped: number }>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const pid = Number(name)
      const ppid = Number(fields[1])
      children.set(ppid, [...(children.get(ppid) ?? []), pid])
      // utime, stime, cutime, cstime: fields 14-17 of /proc/<pid>/stat
      times.set(pid, {
        own: Number(fields[11]) + Number(fields[12]),
        reaped: Number(fields[13]) + Number(fields[14]),
      })
    } catch {
      /* ended */
    }
  }
  let ticks = times.get(rootPid)?.reaped ?? 0
  const stack = [rootPid]
  while (stack.length > 0) {
    const pid = stack.pop() as number
    ticks += times.get(pid)?.own ?? 0
    stack.push(...(children.get(pid) ?? []))
  }
  return ticks * TICK_MS
}
