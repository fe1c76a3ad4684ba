/**
 * What every benchmark does around its measurements: its log lines, stopping the servers it started
 * on Ctrl-C or on failure, the machine it ran on and the results file it writes in bench/results.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { round } from './stats.js'
import { REPO_ROOT, stopAll } from './servers.js'

/** A logger that writes `[bench:<name>] message` lines to stderr (stdout carries the report). */
export function benchLog(name: string): (msg: string) => void {
  return (msg) => process.stderr.write(`[bench:${name}] ${msg}\n`)
}

/** On the first SIGINT or SIGTERM, stops every started server and exits 130. */
export function stopServersOnSignals(log: (msg: string) => void): void {
  let interrupted = false
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (interrupted) return
      interrupted = true
      log(`${sig}: stopping servers`)
      void stopAll().finally(() => process.exit(130))
    })
  }
}

/** Runs a benchmark's main; on failure says why, stops every started server and exits 1. */
export function runBench(name: string, main: () => Promise<void>): void {
  main().catch(async (err: unknown) => {
    process.stderr.write(
      `\n[bench:${name}] FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    await stopAll()
    process.exit(1)
  })
}

/** The machine a result was measured on, for the results file. */
export function machine(): { cpus: number; cpuModel: string | undefined; loadavg: number[]; node: string } {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim(),
    loadavg: loadavg().map((x) => round(x, 2)),
    node: process.version,
  }
}

/** Writes `bench/results/<name>-<timestamp>.json` and returns its path relative to the repo. */
export function writeResults(name: string, out: unknown): string {
  const dir = join(REPO_ROOT, 'bench/results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`)
  return file.replace(`${REPO_ROOT}/`, '')
}
