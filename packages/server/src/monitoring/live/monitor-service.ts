/**
 * Live monitors: create and manage them, run them (monitor-runs.ts: every complete window not
 * processed yet, each stored exactly once with the alerts it fired), and read their windows,
 * realized performance, alerts and profiles (monitor-reads.ts). A monitor's reference is prepared
 * once and cached until the monitor changes.
 */
import { randomUUID } from 'node:crypto'
import {
  KeelError,
  type Monitor,
  type MonitorAlert,
  type MonitorPerformance,
  type MonitorProfile,
  type MonitorStatus,
  type MonitorTask,
  type Page,
} from '@keel/contracts'
import { ActionRegistry } from '../../actions/action-registry.js'
import type { JobQueue } from '../../queue/job-queue.js'
import { AddressPolicy } from '../../webhooks/address-policy.js'
import type { Resolver } from '../../webhooks/webhook-target.js'
import { handleAlertDeliveries } from './alert-delivery-jobs.js'
import { type AlertQuery, MonitorReads, type ProfileQuery, type WindowQuery } from './monitor-reads.js'
import { MonitorRuns, type RunResult } from './monitor-runs.js'
import type { MonitorStore, StoredWindow } from './monitor-store.js'
import * as v from './monitor-validation.js'
import {
  lineageOf,
  prepareReference,
  trainingDataUri,
  type PreparedReference,
  type ReferenceDeps,
} from './reference.js'

export type { RunResult } from './monitor-runs.js'

export interface LiveMonitorDeps extends ReferenceDeps {
  readonly store: MonitorStore
  /** The work queue that runs the windows and the alerts' deliveries (its handlers are registered here). */
  readonly queue: JobQueue
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

export class LiveMonitorService {
  private readonly now: () => number
  private readonly references = new Map<string, { key: number; value: Promise<PreparedReference> }>()
  private readonly rules: v.RuleContext
  private readonly runs: MonitorRuns
  private readonly reads: MonitorReads

  constructor(private readonly deps: LiveMonitorDeps) {
    this.now = deps.now ?? Date.now
    this.rules = {
      actions: deps.actions ?? new ActionRegistry(),
      webhooks: deps.webhooks ?? new AddressPolicy(),
      ...(deps.resolve && { resolve: deps.resolve }),
    }
    const monitors = {
      store: deps.store,
      log: deps.log,
      get: (monitorId: string) => this.get(monitorId),
      reference: (m: Monitor) => this.reference(m),
    }
    this.runs = new MonitorRuns({ ...monitors, queue: deps.queue, now: this.now, rules: this.rules })
    handleAlertDeliveries(deps.queue, { store: deps.store, rules: this.rules })
    this.reads = new MonitorReads(monitors)
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
        throw v.invalid(`alert_rules[${i}].column`, `the reference has no column '${r.column}'`)
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
    await this.runs.idle(monitorId)
    if (!(await this.deps.store.deleteMonitor(monitorId)))
      throw KeelError.notFound(`Monitor '${monitorId}' does not exist`)
    this.references.delete(monitorId)
    this.reads.forget(monitorId)
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
  run(monitorId: string): Promise<RunResult> {
    return this.runs.run(monitorId)
  }

  /** The scheduler's tick: every active monitor's next due window queued, its performance rules checked. */
  runAll(): Promise<void> {
    return this.runs.runAll()
  }

  windows(q: WindowQuery): Promise<Page<StoredWindow>> {
    return this.reads.windows(q)
  }

  /** The profiles of the windows in range merged, summarised per column, and their drift against the reference's profile. */
  profile(q: ProfileQuery): Promise<MonitorProfile> {
    return this.reads.profile(q)
  }

  performance(q: WindowQuery): Promise<Page<MonitorPerformance>> {
    return this.reads.performance(q)
  }

  alerts(q: AlertQuery): Promise<Page<MonitorAlert>> {
    return this.reads.alerts(q)
  }
}
