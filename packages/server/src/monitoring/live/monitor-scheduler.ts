/**
 * Runs every active monitor every `intervalMs` (`keel server --monitor-interval`): one tick at a
 * time, never overlapping, on an unref'd timer so it does not keep the process alive.
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
