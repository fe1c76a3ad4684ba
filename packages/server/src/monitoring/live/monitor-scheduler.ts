/**
 * Every `intervalMs` (`keel server --monitor-interval`), queues each active monitor's next due
 * window as a job of the work queue (its id (monitor, window number): every server may tick, the
 * window is queued and processed once) and checks its `performance` rules: one tick at a time,
 * never overlapping, on an unref'd timer so it does not keep the process alive. The queue's
 * workers (here or in `keel worker`) do the windows.
 */
import type { LiveMonitorService } from './monitor-service.js'

export interface MonitorScheduler {
  stop(): Promise<void>
}

export function startMonitorScheduler(
  service: LiveMonitorService,
  intervalMs: number,
  onError: (error: unknown) => void,
): MonitorScheduler {
  let stopped = false
  let tick: Promise<void> = Promise.resolve()
  let timer: NodeJS.Timeout | undefined
  const schedule = () => {
    if (stopped) return
    timer = setTimeout(() => {
      tick = service.runAll().catch(onError).finally(schedule)
    }, intervalMs)
    timer.unref()
  }
  schedule()
  return {
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      await tick
    },
  }
}
