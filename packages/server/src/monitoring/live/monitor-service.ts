/**
 * Live monitors: create and manage them, run them (every complete window not processed yet, in
 * log order, each stored exactly once with the alerts it fired), and read their windows, their
 * realized performance (computed when read) and their alerts. A monitor's reference is prepared
 * once and cached until the monitor changes; runs of one monitor never overlap in this process,
 * and the store refuses a window another process stored first.
 */
import { randomUUID } from 'node:crypto'
import {
  KeelError,
  LIMITS,
  type AlertRule,
  type Monitor,
  type MonitorAlert,
  type MonitorPerformance,
  type MonitorProfile,
  type MonitorStatus,
  type MonitorTask,
  type MonitorWindow,
  type Page,
} from '@keel/contracts'
import { DatasetProfile } from '@keel/monitoring'
import { ActionRegistry } from '../../actions/action-registry.js'
import { validateMaxResults } from '../../paging/max-results.js'
import { isCount, keysetPage, pageTokenCodec } from '../../paging/page-token.js'
import { AddressPolicy } from '../../webhooks/address-policy.js'
import { type Resolver } from '../../webhooks/webhook-target.js'
import { alertAsRead, deliverWebhook, newAlert, performanceFiring, runAlertAction, windowFiring } from './alerts.js'
import { collectRows, nextWindow } from './log-windows.js'
import { type LogCursor, type MonitorStore, type StoredWindow } from './monitor-store.js'
import * as v from './monitor-validation.js'
import { windowPerformance } from './realized-performance.js'
import {
  lineageOf,
  prepareReference,
  trainingDataUri,
  type PreparedReference,
  type ReferenceDeps,
} from './reference.js'
import { analyzeWindow, columnDrift } from './window-analysis.js'
import { profileColumns, profileRows, rangeDrift, referenceProfile, summarizeProfile } from './window-profile.js'
import { estimateWindow } from './estimation.js'

/** Windows processed by one run at most (the next run continues). */
const MAX_WINDOWS_PER_RUN = 500
/** Recent windows whose realized performance `performance` rules re-check on each run. */
const PERFORMANCE_LOOKBACK = 20

export interface LiveMonitorDeps extends ReferenceDeps {
  readonly store: MonitorStore
  readonly now?: () => number
  /** the operator's actions that rules may name (default: none) */
  readonly actions?: ActionRegistry
  /** which webhook targets are allowed (default: public addresses only) */
  readonly webhooks?: AddressPolicy
  /** resolves webhook host names (default: the system's resolver) */
  readonly resolve?: Resolver
}

export interface CreateMonitorInput {
  readonly name: string
  readonly deployment: string
  readonly modelName?: string
  readonly variant?: string
  readonly reference: v.ReferenceInput
  readonly window: { readonly count?: number | undefined; readonly seconds?: number | undefined }
  readonly columns?: readonly string[]
  readonly tests?: Readonly<Record<string, string>>
  readonly thresholds?: Readonly<Record<string, number>>
  readonly driftShare?: number
  readonly task?: MonitorTask
  readonly predictionColumn?: string
  readonly alertRules?: readonly v.RuleInput[]
  readonly latenessSeconds?: number
  readonly startTime?: number
}

export interface UpdateMonitorInput {
  readonly status?: MonitorStatus
  readonly alertRules?: readonly v.RuleInput[]
  readonly tests?: Readonly<Record<string, string>>
  readonly thresholds?: Readonly<Record<string, number>>
  readonly driftShare?: number
  readonly latenessSeconds?: number
}

export interface RunResult {
  readonly windows: MonitorWindow[]
  readonly alerts: MonitorAlert[]
}

/** Window pages: a keyset on the window's number. */
const windowToken = pageTokenCodec((p): p is { readonly w: number } => isCount(p.w))
/** Alert pages, newest first: a keyset on (fired time, alert id). */
const alertToken = pageTokenCodec(
  (p): p is { readonly firedMs: number; readonly alertId: string } =>
    isCount(p.firedMs) && typeof p.alertId === 'string',
)

export class LiveMonitorService {
  private readonly now: () => number
  private readonly references = new Map<string, { key: number; value: Promise<PreparedReference> }>()
  private readonly running = new Map<string, Promise<RunResult>>()
  private readonly referenceProfiles = new Map<string, { key: number; value: DatasetProfile }>()
  private readonly rules: v.RuleContext

  constructor(private readonly deps: LiveMonitorDeps) {
    this.now = deps.now ?? Date.now
    this.rules = {
      actions: deps.actions ?? new ActionRegistry(),
      webhooks: deps.webhooks ?? new AddressPolicy(),
      ...(deps.resolve && { resolve: deps.resolve }),
    }
  }

  async create(input: CreateMonitorInput): Promise<Monitor> {
    const now = this.now()
    if (input.startTime !== undefined && (!Number.isSafeInteger(input.startTime) || input.startTime < 0))
      throw v.invalid('start_time', 'expected epoch milliseconds')
    const monitor: Monitor = {
      monitorId: randomUUID().replace(/-/g, ''),
      name: v.name(input.name, 'name'),
      deployment: v.name(input.deployment, 'deployment'),
      ...(input.modelName !== undefined && { modelName: v.name(input.modelName, 'model_name') }),
      ...(input.variant !== undefined && { variant: v.name(input.variant, 'variant') }),
      reference: v.reference(input.reference),
      window: v.windowSpec(input.window),
      ...(input.columns !== undefined && { columns: input.columns.map((c, i) => v.name(c, `columns.${i}`)) }),
      tests: v.tests(input.tests),
      thresholds: v.thresholds(input.thresholds),
      driftShare: v.driftShare(input.driftShare),
      ...(input.task !== undefined && { task: input.task }),
      ...(input.predictionColumn !== undefined && {
        predictionColumn: v.name(input.predictionColumn, 'prediction_column'),
      }),
      alertRules: await v.alertRules(input.alertRules, this.rules),
      status: 'active',
      latenessMs: v.lateness(input.latenessSeconds),
      ...(input.startTime !== undefined && { startTime: input.startTime }),
      createdMs: now,
      updatedMs: now,
    }
    if (input.columns?.length === 0)
      throw v.invalid('columns', 'name at least one column, or leave it out for every column of the reference')
    // The reference must be readable now: a monitor that could never run is refused.
    const reference = await prepareReference(this.deps, monitor)
    const settled: Monitor =
      monitor.reference.kind === 'modelVersion'
        ? { ...monitor, reference: { ...monitor.reference, uri: (await this.trainingUri(monitor)) ?? '' } }
        : monitor
    this.checkColumns(settled, reference)
    await this.deps.store.createMonitor(settled)
    this.references.set(settled.monitorId, { key: settled.updatedMs, value: Promise.resolve(reference) })
    return settled
  }

  private async trainingUri(m: Monitor): Promise<string | undefined> {
    if (m.reference.kind !== 'modelVersion') return undefined
    return trainingDataUri(await lineageOf(this.deps, m.reference.name, m.reference.version))
  }

  private checkColumns(m: Monitor, ref: PreparedReference): void {
    const known = (c: string) => Object.hasOwn(ref.features, c) || c === (m.predictionColumn ?? 'prediction')
    for (const [field, record] of [
      ['tests', m.tests],
      ['thresholds', m.thresholds],
    ] as const) {
      for (const c of Object.keys(record))
        if (!known(c)) throw v.invalid(`${field}.${c}`, `the reference has no column '${c}'`)
    }
    m.alertRules.forEach((r, i) => {
      if (r.kind === 'column_drift' && r.column !== undefined && !known(r.column))
        throw v.invalid(`alert_rules.${i}.column`, `the reference has no column '${r.column}'`)
    })
  }

  async get(monitorId: string): Promise<Monitor> {
    v.name(monitorId, 'monitor_id', 64)
    const m = await this.deps.store.getMonitor(monitorId)
    if (!m) throw KeelError.notFound(`Monitor '${monitorId}' does not exist`)
    return m
  }

  list(deployment?: string): Promise<Monitor[]> {
    return this.deps.store.listMonitors(deployment)
  }

  async update(monitorId: string, input: UpdateMonitorInput): Promise<Monitor> {
    const m = await this.get(monitorId)
    const alertRules = input.alertRules !== undefined ? await v.alertRules(input.alertRules, this.rules) : undefined
    const updated: Monitor = {
      ...m,
      ...(input.status !== undefined && { status: input.status }),
      ...(alertRules !== undefined && { alertRules }),
      ...(input.tests !== undefined && { tests: v.tests(input.tests) }),
      ...(input.thresholds !== undefined && { thresholds: v.thresholds(input.thresholds) }),
      ...(input.driftShare !== undefined && { driftShare: v.driftShare(input.driftShare) }),
      ...(input.latenessSeconds !== undefined && { latenessMs: v.lateness(input.latenessSeconds) }),
      updatedMs: Math.max(this.now(), m.updatedMs + 1),
    }
    this.checkColumns(updated, await this.reference(m))
    await this.deps.store.updateMonitor(updated)
    return updated
  }

  async delete(monitorId: string): Promise<void> {
    v.name(monitorId, 'monitor_id', 64)
    await this.running.get(monitorId)?.catch(() => undefined)
    if (!(await this.deps.store.deleteMonitor(monitorId)))
      throw KeelError.notFound(`Monitor '${monitorId}' does not exist`)
    this.references.delete(monitorId)
    this.referenceProfiles.delete(monitorId)
  }

  /** The prepared reference, cached per monitor (prepared again when the monitor's settings changed). */
  private reference(m: Monitor): Promise<PreparedReference> {
    const cached = this.references.get(m.monitorId)
    if (cached && cached.key === m.createdMs) return cached.value
    const value = prepareReference(this.deps, m)
    // The reference depends only on settings fixed at creation: cache by creation time.
    this.references.set(m.monitorId, { key: m.createdMs, value })
    value.catch(() => this.references.delete(m.monitorId))
    return value
  }

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
    for (const m of await this.deps.store.listMonitors()) {
      if (m.status !== 'active' || this.running.has(m.monitorId)) continue
      await this.run(m.monitorId).catch(() => undefined)
    }
  }

  private async runNow(monitorId: string): Promise<RunResult> {
    const m = await this.get(monitorId)
    if (m.status === 'paused')
      throw v.invalid('monitor_id', `monitor '${m.name}' is paused; resume it with update status=active`)
    const { store, log } = this.deps
    let reference: PreparedReference
    try {
      reference = await this.reference(m)
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
    const cutoff = this.now() - m.latenessMs
    while (windows.length < MAX_WINDOWS_PER_RUN) {
      const range = await nextWindow(log, m, after, cutoff)
      if (!range) break
      const profile = new DatasetProfile()
      const cols = profileColumns(m, reference)
      const sample = await collectRows(log, m, range, v.WINDOW_ROW_CAP, (rows) => profileRows(profile, rows, cols))
      const now = this.now()
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
      alerts.push(...(await this.deliver(m, fired)))
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
    const last = await this.deps.store.lastWindow(m.monitorId)
    if (!last) return []
    const recent = await this.deps.store.listWindows({
      monitorId: m.monitorId,
      afterWindowId: Math.max(0, last.windowId - PERFORMANCE_LOOKBACK),
      limit: PERFORMANCE_LOOKBACK,
    })
    const fired: MonitorAlert[] = []
    for (const w of recent.items) {
      const open = await Promise.all(
        rules.map(async (r) => ((await this.deps.store.hasAlert(m.monitorId, r.ruleId, w.windowId)) ? undefined : r)),
      )
      const pending = open.filter((r): r is AlertRule => r !== undefined)
      if (pending.length === 0) continue
      const performance = await windowPerformance(this.deps.log, m, w)
      for (const rule of pending) {
        const firing = performanceFiring(rule, performance)
        if (!firing) continue
        const alert = newAlert(m, rule, w.windowId, firing, this.now())
        if (await this.deps.store.addAlert(alert)) fired.push(alert)
      }
    }
    return this.deliver(m, fired)
  }

  /** Posts each alert to its webhook and runs its action (by name), and records what they returned. */
  private async deliver(_m: Monitor, alerts: readonly MonitorAlert[]): Promise<MonitorAlert[]> {
    const { actions, webhooks: policy, resolve } = this.rules
    return Promise.all(
      alerts.map(async (alert) => {
        // An action already holding an error was not to be run (a rule stored with a command).
        const runnable = alert.action !== undefined && alert.action.error === undefined
        const [webhook, action] = await Promise.all([
          alert.webhook ? deliverWebhook(alert.webhook.url, alert, { policy, ...(resolve && { resolve }) }) : undefined,
          runnable ? runAlertAction(actions, alert.action!.name, alert) : undefined,
        ])
        if (webhook || action) await this.deps.store.recordDelivery(alert.alertId, webhook, action)
        return { ...alert, ...(webhook && { webhook }), ...(action && { action }) }
      }),
    )
  }

  async windows(q: {
    monitorId: string
    startTime?: number
    endTime?: number
    maxResults?: number
    pageToken?: string
  }): Promise<Page<StoredWindow>> {
    await this.get(q.monitorId)
    const limit = validateMaxResults(q.maxResults, 100, 1000)
    const after = q.pageToken ? windowToken.decode(q.pageToken).w : undefined
    const page = await this.deps.store.listWindows({
      monitorId: q.monitorId,
      ...(q.startTime !== undefined && { startTime: q.startTime }),
      ...(q.endTime !== undefined && { endTime: q.endTime }),
      ...(after !== undefined && { afterWindowId: after }),
      limit,
    })
    return keysetPage(page, windowToken, (last) => ({ w: last.windowId }))
  }

  /** The profiles of the windows in range merged, summarised per column, and their drift against the reference's profile. */
  async profile(q: { monitorId: string; startTime?: number; endTime?: number }): Promise<MonitorProfile> {
    const m = await this.get(q.monitorId)
    if (q.startTime !== undefined && q.endTime !== undefined && q.endTime <= q.startTime)
      throw v.invalid('end_time', `${q.endTime} is not after start_time ${q.startTime}`)
    const ref = await this.reference(m)
    let cachedProfile = this.referenceProfiles.get(m.monitorId)
    if (!cachedProfile || cachedProfile.key !== m.createdMs) {
      cachedProfile = { key: m.createdMs, value: referenceProfile(m, ref) }
      this.referenceProfiles.set(m.monitorId, cachedProfile)
    }
    let merged: DatasetProfile | undefined
    let windows = 0
    let without = 0
    let afterWindowId: number | undefined
    for (;;) {
      const page = await this.deps.store.listWindows({
        monitorId: m.monitorId,
        ...(q.startTime !== undefined && { startTime: q.startTime }),
        ...(q.endTime !== undefined && { endTime: q.endTime }),
        ...(afterWindowId !== undefined && { afterWindowId }),
        limit: 100,
        withProfiles: true,
      })
      for (const w of page.items) {
        if (w.profile === undefined) {
          without++
          continue
        }
        const p = DatasetProfile.fromJSON(JSON.parse(w.profile))
        merged = merged ? merged.merge(p) : p
        windows++
      }
      afterWindowId = page.items.at(-1)?.windowId
      if (!page.hasMore || afterWindowId === undefined) break
    }
    const current = merged ?? new DatasetProfile()
    const drift = rangeDrift(m, ref, cachedProfile.value, current)
    const columns = drift.columns.map((c) => columnDrift(c as Parameters<typeof columnDrift>[0]))
    return {
      monitorId: m.monitorId,
      windows,
      windowsWithoutProfile: without,
      rows: current.rows,
      columns: summarizeProfile(current),
      drift: {
        datasetDrift: drift.datasetDrift,
        driftShare: drift.shareOfDriftedColumns,
        driftedColumns: columns.filter((c) => c.drifted).map((c) => c.column),
        columns,
      },
    }
  }

  async performance(q: {
    monitorId: string
    startTime?: number
    endTime?: number
    maxResults?: number
    pageToken?: string
  }): Promise<Page<MonitorPerformance>> {
    const m = await this.get(q.monitorId)
    const page = await this.windows(q)
    const items: MonitorPerformance[] = []
    for (const w of page.items) items.push(await windowPerformance(this.deps.log, m, w))
    return { items, ...(page.nextPageToken && { nextPageToken: page.nextPageToken }) }
  }

  async alerts(q: {
    monitorId?: string
    deployment?: string
    maxResults?: number
    pageToken?: string
  }): Promise<Page<MonitorAlert>> {
    if (q.monitorId !== undefined) await this.get(q.monitorId)
    if (q.deployment !== undefined) v.name(q.deployment, 'deployment', LIMITS.predictionNameLength)
    const limit = validateMaxResults(q.maxResults, 100, 1000)
    const before = q.pageToken ? alertToken.decode(q.pageToken) : undefined
    const page = await this.deps.store.listAlerts({
      ...(q.monitorId !== undefined && { monitorId: q.monitorId }),
      ...(q.deployment !== undefined && { deployment: q.deployment }),
      ...(before && { before }),
      limit,
    })
    return keysetPage(page, alertToken, (last) => ({ firedMs: last.firedMs, alertId: last.alertId }), alertAsRead)
  }
}
