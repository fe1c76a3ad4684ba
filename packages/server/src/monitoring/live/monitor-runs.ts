/**
 * Running a live monitor: every complete window not processed yet, in log order, each stored
 * exactly once with the alerts it fired (one transaction, numbered 1, 2, … after the last stored
 * window), then the `performance` rules on the recent windows. Runs of one monitor never overlap
 * in this process, and the store refuses a window another process stored first.
 */
import type { AlertRule, Monitor, MonitorAlert, MonitorWindow } from '@keel/contracts'
import { DatasetProfile } from '@keel/monitoring'
import type { PredictionLogStore } from '../../predictions/prediction-log-store.js'
import { deliverWebhook, newAlert, performanceFiring, runAlertAction, windowFiring } from './alerts.js'
import { estimateWindow } from './estimation.js'
import { collectRows, nextWindow } from './log-windows.js'
import type { LogCursor, MonitorStore, StoredWindow } from './monitor-store.js'
import * as v from './monitor-validation.js'
import { windowPerformance } from './realized-performance.js'
import type { PreparedReference } from './reference.js'
import { analyzeWindow } from './window-analysis.js'
import { profileColumns, profileRows } from './window-profile.js'

/** Windows processed by one run at most (the next run continues). */
const MAX_WINDOWS_PER_RUN = 500
/** Recent windows whose realized performance `performance` rules re-check on each run. */
const PERFORMANCE_LOOKBACK = 20

export interface RunResult {
  readonly windows: MonitorWindow[]
  readonly alerts: MonitorAlert[]
}

/** What a run needs from the service: the stores, the clock, the rules' context, a monitor and its reference. */
export interface RunContext {
  readonly store: MonitorStore
  readonly log: PredictionLogStore
  readonly now: () => number
  readonly rules: v.RuleContext
  get(monitorId: string): Promise<Monitor>
  reference(m: Monitor): Promise<PreparedReference>
}

export class MonitorRuns {
  private readonly running = new Map<string, Promise<RunResult>>()

  constructor(private readonly ctx: RunContext) {}

  /** Processes every complete window not processed yet. Runs of one monitor are serialised. */
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

  /** The scheduler's tick: every active monitor. A failing monitor records its error and the others go on. */
  async runAll(): Promise<void> {
    for (const m of await this.ctx.store.listMonitors()) {
      if (m.status !== 'active' || this.running.has(m.monitorId)) continue
      await this.run(m.monitorId).catch(() => undefined)
    }
  }

  /** Settles once the monitor's current run (if any) has ended, however it ended. */
  async idle(monitorId: string): Promise<void> {
    await this.running.get(monitorId)?.catch(() => undefined)
  }

  private async runNow(monitorId: string): Promise<RunResult> {
    const m = await this.ctx.get(monitorId)
    if (m.status === 'paused')
      throw v.invalid('monitor_id', `monitor '${m.name}' is paused; resume it with update status=active`)
    const { store, log } = this.ctx
    let reference: PreparedReference
    try {
      reference = await this.ctx.reference(m)
    } catch (error) {
      await store.setLastError(monitorId, (error as Error).message)
      throw error
    }
    if (m.lastError !== undefined) await store.setLastError(monitorId, undefined)
    const windows: MonitorWindow[] = []
    const alerts: MonitorAlert[] = []
    const last = await store.lastWindow(monitorId)
    let after: LogCursor = last?.end ?? {
      timestampMs: m.startTime ?? (m.reference.kind === 'log' ? m.reference.endTime : 0),
      seq: -1,
    }
    let windowId = (last?.windowId ?? 0) + 1
    const cutoff = this.ctx.now() - m.latenessMs
    while (windows.length < MAX_WINDOWS_PER_RUN) {
      const range = await nextWindow(log, m, after, cutoff)
      if (!range) break
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
      if (!(await store.appendWindow(stored, fired))) break
      windows.push(window)
      alerts.push(...(await this.deliver(fired)))
      after = range.end
      windowId++
    }
    alerts.push(...(await this.checkPerformance(m)))
    return { windows, alerts }
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
    return this.deliver(fired)
  }

  /** Posts each alert to its webhook and runs its action (by name), and records what they returned. */
  private async deliver(alerts: readonly MonitorAlert[]): Promise<MonitorAlert[]> {
    const { actions, webhooks: policy, resolve } = this.ctx.rules
    return Promise.all(
      alerts.map(async (alert) => {
        // An action already holding an error was not to be run (a rule stored with a command).
        const runnable = alert.action !== undefined && alert.action.error === undefined
        const [webhook, action] = await Promise.all([
          alert.webhook ? deliverWebhook(alert.webhook.url, alert, { policy, ...(resolve && { resolve }) }) : undefined,
          runnable ? runAlertAction(actions, alert.action!.name, alert) : undefined,
        ])
        if (webhook || action) await this.ctx.store.recordDelivery(alert.alertId, webhook, action)
        return { ...alert, ...(webhook && { webhook }), ...(action && { action }) }
      }),
    )
  }
}
