/**
 * The process-wide registry of active runs, so that nothing logged is lost when the process ends:
 * - `beforeExit` (the event loop ran dry): flush and end the runs FINISHED, as MLflow's `atexit` does;
 * - SIGINT/SIGTERM: flush, mark the runs KILLED, then let the signal do what it would have done;
 * - an uncaught exception or unhandled rejection: flush, mark the runs FAILED, then crash as Node would.
 * The hooks are installed while at least one run is active, and removed after.
 * `process.exit()` gives no chance to do I/O: end runs (or `await run.flush()`) before calling it.
 */
import { inspect } from 'node:util'
import type { RunStatus } from '@keel/contracts'

/** What the registry needs of a run: end it (after a flush) and report, never throw. */
export interface TrackedRun {
  terminate(status: RunStatus): Promise<void>
}

/** How long the exit paths wait for the runs to be flushed and ended. */
const SIGNAL_GRACE_MS = 5_000
const CRASH_GRACE_MS = 10_000

const active = new Set<TrackedRun>()
let handlingSignal = false

export function trackRun(run: TrackedRun): void {
  if (active.size === 0) install()
  active.add(run)
}

export function untrackRun(run: TrackedRun): void {
  if (active.delete(run) && active.size === 0) uninstall()
}

/** The process events that end active runs, and their handlers (installed only while runs are active). */
const HOOKS = [
  ['beforeExit', onBeforeExit],
  ['SIGINT', onSignal],
  ['SIGTERM', onSignal],
  ['uncaughtException', onUncaughtException],
  ['unhandledRejection', onUnhandledRejection],
] as const

function install(): void {
  for (const [event, handler] of HOOKS) process.on(event, handler as (...args: unknown[]) => void)
}

function uninstall(): void {
  for (const [event, handler] of HOOKS) process.off(event, handler as (...args: unknown[]) => void)
}

async function terminateAll(status: RunStatus, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs)
    timer.unref()
  })
  await Promise.race([Promise.all([...active].map((run) => run.terminate(status))), timeout])
  clearTimeout(timer)
}

function onBeforeExit(): void {
  void terminateAll('FINISHED', CRASH_GRACE_MS)
}

function onSignal(signal: NodeJS.Signals): void {
  const reraise = (): void => {
    uninstall()
    // Other listeners mean someone else decides what the signal does; otherwise re-raise it to die by it.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
  }
  if (handlingSignal) {
    reraise() // a second Ctrl-C does not wait
    return
  }
  handlingSignal = true
  void terminateAll('KILLED', SIGNAL_GRACE_MS).finally(() => {
    handlingSignal = false
    reraise()
  })
}

function crash(error: unknown, event: 'uncaughtException' | 'unhandledRejection'): void {
  const alone = process.listenerCount(event) === 1
  // Report first, as Node would, so the error shows even if the flush hangs.
  if (alone) process.stderr.write(`${inspect(error)}\n\nNode.js ${process.version}\n`)
  void terminateAll('FAILED', CRASH_GRACE_MS).finally(() => {
    if (alone) process.exit(1)
  })
}

function onUncaughtException(error: unknown): void {
  crash(error, 'uncaughtException')
}

/** Under Node's default mode (`throw`) an unhandled rejection is a crash; other modes are left alone. */
function onUnhandledRejection(reason: unknown): void {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ')
  const mode = /--unhandled-rejections[= ](\S+)/.exec(flags)?.[1] ?? 'throw'
  if (mode === 'throw') crash(reason, 'unhandledRejection')
}
