/**
 * Running a live monitor through the work queue. Each due window is a job (`monitor.window`) whose
 * id is (monitor, window number), so however many processes queue it, it is queued once; its
 * handler stores the window exactly once with the alerts it fired (one transaction, numbered 1,
 * 2, … after the last stored window; the store refuses a window stored first elsewhere), queues
 * the alerts' deliveries (alert-delivery-jobs.ts) and then the monitor's next window if it is
 * due. The scheduler queues each active monitor's next due window and checks the `performance`
 * rules on the recent windows; a run asked for through the API queues the due windows and waits
 * for them.
 */
import { KeelError, type AlertRule, type Monitor, type MonitorAlert, type MonitorWindow } from '@keel/contracts'
import { DatasetProfile } from '@keel/monitoring'
import type { PredictionLogStore } from '../../predictions/prediction-log-store.js'
import { isTerminal, type JobQueue, waitForJob } from '../../queue/job-queue.js'
import { queueDeliveries } from './alert-delivery-jobs.js'
import { newAlert, performanceFiring, windowFiring } from './alerts.js'
import { estimateWindow } from './estimation.js'
import { collectRows, nextWindow, type WindowRange } from './log-windows.js'
import type { LogCursor, MonitorStore, StoredWindow } from './monitor-store.js'
import * as v from './monitor-validation.js'
import { windowPerformance } from './realized-performance.js'
import type { PreparedReference } from './reference.js'
import { analyzeWindow } from './window-analysis.js'
import { profileColumns, profileRows } from './window-profile.js'

/** Windows processed by one run asked for through the API at most (the next run continues). */
const MAX_WINDOWS_PER_RUN = 500
/** Recent windows whose realized performance `performance` rules re-check on each run. */
const PERFORMANCE_LOOKBACK = 20
/** How long a run asked for through the API waits for a window's job (no worker running, say). */
const RUN_WAIT_MS = 10 * 60_000

export const WINDOW_JOB = 'monitor.window'
/** The id of a monitor's window job: the idempotency key across processes. */
export const windowJobId = (monitorId: string, windowId: number): string => `monitor-window.${monitorId}.${windowId}`

export interface RunResult {
  readonly windows: MonitorWindow[]
  readonly alerts: MonitorAlert[]
}

/** What a window's job returns: whether it stored the window, and the alerts it fired. */
interface WindowOutcome {
  readonly stored: boolean
  readonly alerts?: MonitorAlert[]
  readonly deliveries?: string[]
}

/** What a run needs from the service: the stores, the queue, the clock, the rules' context, a monitor and its reference. */
export interface RunContext {
  readonly store: MonitorStore
  readonly log: PredictionLogStore
  readonly queue: JobQueue
  readonly now: () => number
  readonly rules: v.RuleContext
  get(monitorId: string): Promise<Monitor>
  reference(m: Monitor): Promise<PreparedReference>
}

export class MonitorRuns {
  private readonly running = new Map<string, Promise<RunResult>>()

  constructor(private readonly ctx: RunContext) {
    ctx.queue.handle<{ monitorId: string; windowId: number }>(
      WINDOW_JOB,
      ({ monitorId, windowId }) => this.processWindow(monitorId, windowId),
      { maxAttempts: 3, backoffMs: 2_000 },
    )
  }

  /** Processes every complete window not processed yet (through their jobs). Runs asked for here are serialised. */
  async run(monitorId: string): Promise<RunResult> {
    const previous = this.running.get(monitorId)
    const next = (previous ?? Promise.resolve()).catch(() => undefined).then(() => this.runNow(monitorId))
    this.running.set(monitorId, next)
    try {
      return await next
    } finally {
      if (this.running.get(monitorId) === next) this.running.delete(monitorId)
    }
  }

  /**
   * The scheduler's tick: every active monitor's next due window queued (a no-op where it is
   * queued already, here or in another process), and its `performance` rules checked. A failing
   * monitor records its error and the others go on.
   */
  async runAll(): Promise<void> {
    for (const m of await this.ctx.store.listMonitors()) {
      if (m.status !== 'active') continue
      try {
        await this.queueDue(m)
        const alerts = await this.checkPerformance(m)
        await queueDeliveries(this.ctx.queue, alerts)
      } catch {
        // Recorded on the monitor (its reference) or retried by the next tick.
      }
    }
  }

  /** Settles once the monitor's current run (if any) has ended, however it ended. */
  async idle(monitorId: string): Promise<void> {
    await this.running.get(monitorId)?.catch(() => undefined)
  }

  /** The next window of a monitor and where it starts, if it is complete. */
  private async due(m: Monitor): Promise<{ windowId: number; range: WindowRange } | undefined> {
    const last = await this.ctx.store.lastWindow(m.monitorId)
    const after: LogCursor = last?.end ?? {
      timestampMs: m.startTime ?? (m.reference.kind === 'log' ? m.reference.endTime : 0),
      seq: -1,
    }
    const range = await nextWindow(this.ctx.log, m, after, this.ctx.now() - m.latenessMs)
    return range && { windowId: (last?.windowId ?? 0) + 1, range }
  }

  /** Queues the monitor's next window if it is due; its job's id. A failed or cancelled job of that window runs again. */
  private async queueDue(m: Monitor): Promise<string | undefined> {
    const next = await this.due(m)
    if (!next) return undefined
    const job = await this.ctx.queue.enqueue(
      WINDOW_JOB,
      { monitorId: m.monitorId, windowId: next.windowId },
      { jobId: windowJobId(m.monitorId, next.windowId), rerun: true },
    )
    return job.jobId
  }

  private async runNow(monitorId: string): Promise<RunResult> {
    const m = await this.ctx.get(monitorId)
    if (m.status === 'paused')
      throw v.invalid('monitor_id', `monitor '${m.name}' is paused; resume it with update status=active`)
    await this.prepare(m)
    const { store, queue } = this.ctx
    const first = ((await store.lastWindow(monitorId))?.windowId ?? 0) + 1
    for (let n = 0; n < MAX_WINDOWS_PER_RUN; n++) {
      const jobId = await this.queueDue(m)
      if (jobId === undefined) break
      const job = await waitForJob(queue, jobId, (j) => isTerminal(j.state), 20, RUN_WAIT_MS)
      if (job === undefined || job.state === 'queued' || job.state === 'running')
        throw new KeelError(
          'DEADLINE_EXCEEDED',
          `the job ${jobId} did not end within ${RUN_WAIT_MS / 60_000} minutes: is a worker running?`,
        )
      if (job.state !== 'succeeded')
        throw new KeelError(
          'INTERNAL_ERROR',
          `the job ${jobId} ${job.state}${job.lastError ? `: ${job.lastError}` : ''}`,
        )
      if (!(job.result as WindowOutcome | null | undefined)?.stored) break
    }
    // The windows stored since the run began (some by jobs that queued their next window), and what each fired.
    const windows = (await store.listWindows({ monitorId, afterWindowId: first - 1, limit: MAX_WINDOWS_PER_RUN })).items
    const alerts: MonitorAlert[] = []
    const deliveries: string[] = []
    for (const w of windows) {
      const outcome = (await queue.get(windowJobId(monitorId, w.windowId)))?.result as WindowOutcome | undefined
      if (!outcome?.stored) continue
      alerts.push(...(outcome.alerts ?? []))
      deliveries.push(...(outcome.deliveries ?? []))
    }
    const late = await this.checkPerformance(m)
    alerts.push(...late)
    deliveries.push(...(await queueDeliveries(queue, late)).map((j) => j.jobId))
    return {
      windows: windows.map(({ after: _a, end: _e, profile: _p, ...w }) => w),
      alerts: await this.delivered(m, alerts, deliveries),
    }
  }

  /** The reference, prepared (an error is recorded on the monitor, and cleared once it prepares). */
  private async prepare(m: Monitor): Promise<PreparedReference> {
    let reference: PreparedReference
    try {
      reference = await this.ctx.reference(m)
    } catch (error) {
      await this.ctx.store.setLastError(m.monitorId, (error as Error).message)
      throw error
    }
    if (m.lastError !== undefined) await this.ctx.store.setLastError(m.monitorId, undefined)
    return reference
  }

  /**
   * The job of one window: stores window `windowId` of the monitor if it is the next one and it is
   * complete, with the alerts it fired, queues their deliveries, and queues the next window if due.
   */
  private async processWindow(monitorId: string, windowId: number): Promise<WindowOutcome> {
    const m = await this.ctx.store.getMonitor(monitorId)
    if (!m) return { stored: false }
    const reference = await this.prepare(m)
    const next = await this.due(m)
    if (!next || next.windowId !== windowId) return { stored: false }
    const { range } = next
    const { log, store } = this.ctx
    const profile = new DatasetProfile()
    const cols = profileColumns(m, reference)
    const sample = await collectRows(log, m, range, v.WINDOW_ROW_CAP, (rows) => profileRows(profile, rows, cols))
    const now = this.ctx.now()
    const estimated = estimateWindow(reference.estimator, sample.items)
    const window = analyzeWindow({
      monitor: m,
      reference,
      range,
      windowId,
      rows: sample.seen,
      sample: sample.items,
      now,
      ...(estimated && { estimated }),
    })
    const fired = m.alertRules.flatMap((rule) => {
      const firing = windowFiring(rule, window)
      return firing ? [newAlert(m, rule, windowId, firing, now)] : []
    })
    const stored: StoredWindow = {
      ...window,
      after: range.after,
      end: range.end,
      profile: JSON.stringify(profile.toJSON()),
    }
    if (!(await store.appendWindow(stored, fired))) return { stored: false }
    const deliveries = await queueDeliveries(this.ctx.queue, fired)
    if (m.status === 'active') await this.queueDue(m)
    return { stored: true, alerts: fired, deliveries: deliveries.map((j) => j.jobId) }
  }

  /**
   * The alerts of a run as their deliveries' first attempts left them: waits for each delivery
   * job to end or to wait for a retry, then reads the alerts back with what was recorded.
   */
  private async delivered(m: Monitor, alerts: MonitorAlert[], deliveries: readonly string[]): Promise<MonitorAlert[]> {
    if (deliveries.length === 0) return alerts
    for (const jobId of deliveries)
      await waitForJob(
        this.ctx.queue,
        jobId,
        (j) => isTerminal(j.state) || (j.state === 'queued' && j.attempts > 0),
        20,
        RUN_WAIT_MS,
      )
    const wanted = new Set(alerts.map((a) => a.alertId))
    const found = new Map<string, MonitorAlert>()
    let before: { firedMs: number; alertId: string } | undefined
    for (;;) {
      const page = await this.ctx.store.listAlerts({ monitorId: m.monitorId, limit: 1000, ...(before && { before }) })
      for (const a of page.items) if (wanted.has(a.alertId)) found.set(a.alertId, a)
      const last = page.items.at(-1)
      if (!page.hasMore || !last || found.size === wanted.size) break
      before = { firedMs: last.firedMs, alertId: last.alertId }
    }
    return alerts.map((a) => found.get(a.alertId) ?? a)
  }

  /** `performance` rules on the recent windows whose labels now allow a verdict (each rule fires once per window). */
  private async checkPerformance(m: Monitor): Promise<MonitorAlert[]> {
    const rules = m.alertRules.filter((r) => r.kind === 'performance')
    if (rules.length === 0) return []
    const { store } = this.ctx
    const last = await store.lastWindow(m.monitorId)
    if (!last) return []
    const recent = await store.listWindows({
      monitorId: m.monitorId,
      afterWindowId: Math.max(0, last.windowId - PERFORMANCE_LOOKBACK),
      limit: PERFORMANCE_LOOKBACK,
    })
    const fired: MonitorAlert[] = []
    for (const w of recent.items) {
      const open = await Promise.all(
        rules.map(async (r) => ((await store.hasAlert(m.monitorId, r.ruleId, w.windowId)) ? undefined : r)),
      )
      const pending = open.filter((r): r is AlertRule => r !== undefined)
      if (pending.length === 0) continue
      const performance = await windowPerformance(this.ctx.log, m, w)
      for (const rule of pending) {
        const firing = performanceFiring(rule, performance)
        if (!firing) continue
        const alert = newAlert(m, rule, w.windowId, firing, this.ctx.now())
        if (await store.addAlert(alert)) fired.push(alert)
      }
    }
    return fired
  }
}
