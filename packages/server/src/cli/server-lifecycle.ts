/**
 * How `keel server` stops on SIGTERM or SIGINT: each serving process closes gracefully (it stops
 * accepting, lets requests in flight finish within `--graceful-timeout`, closes idle keep-alive
 * connections at once) and exits; with `--workers N` the primary forwards the signal to its workers,
 * waits for them within the same bound plus a margin, kills any still running, and exits.
 */
import cluster, { type Worker } from 'node:cluster'

/** Time a worker gets beyond the graceful timeout to close its store and exit before SIGKILL. */
const EXIT_MARGIN_MS = 5_000

/**
 * Runs `close` on the first SIGTERM/SIGINT, then exits (0, or 1 if closing failed). A second
 * signal exits at once in a single process (an impatient Ctrl-C); a worker ignores it, since its
 * primary forwards the signal its terminal already sent, and bounds the wait itself.
 */
export function closeOnSignals(close: () => Promise<void>, isWorker: boolean): void {
  let closing = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      if (!isWorker) process.exit(signal === 'SIGINT' ? 130 : 143)
      return
    }
    closing = true
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`keel server: error while stopping: ${String(error)}`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}

/** Forks `count` workers and stops them all on SIGTERM/SIGINT (see the file's comment). */
export function superviseWorkers(count: number, gracefulTimeoutMs: number): void {
  const live = new Set<Worker>()
  // A worker still starting has no signal handler yet: the forwarded signal ends it, which is the
  // stop that was asked for, not a failure.
  const listening = new Set<Worker>()
  let stopping: NodeJS.Signals | undefined
  let failed = false
  for (let i = 0; i < count; i++) live.add(cluster.fork())
  cluster.on('listening', (worker) => listening.add(worker))
  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker)
    const clean =
      (code === 0 && signal === null) || (stopping !== undefined && signal === stopping && !listening.has(worker))
    if (!stopping) {
      if (!clean) console.error(`keel worker ${worker.process.pid} exited with ${signal ?? `code ${code}`}`)
      return
    }
    failed ||= !clean
    if (live.size === 0) process.exit(failed ? 1 : 0)
  })
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = signal
    if (live.size === 0) process.exit(0)
    for (const worker of live) worker.process.kill(signal)
    setTimeout(() => {
      for (const worker of live) {
        console.error(`keel worker ${worker.process.pid} did not stop in time; killing it`)
        worker.process.kill('SIGKILL')
      }
    }, gracefulTimeoutMs + EXIT_MARGIN_MS).unref()
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}
