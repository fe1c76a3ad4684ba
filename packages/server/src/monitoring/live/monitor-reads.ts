/**
 * Reading a live monitor's results: its windows, their realized performance (computed when read),
 * its alerts, and the profile of a range of windows with its drift against the reference's
 * profile (cached per monitor).
 */
import {
  LIMITS,
  type Monitor,
  type MonitorAlert,
  type MonitorPerformance,
  type MonitorProfile,
  type Page,
} from '@keel/contracts'
import { DatasetProfile } from '@keel/monitoring'
import { validateMaxResults } from '../../paging/max-results.js'
import { isCount, keysetPage, pageTokenCodec } from '../../paging/page-token.js'
import type { PredictionLogStore } from '../../predictions/prediction-log-store.js'
import { alertAsRead } from './alerts.js'
import type { MonitorStore, StoredWindow } from './monitor-store.js'
import * as v from './monitor-validation.js'
import { windowPerformance } from './realized-performance.js'
import type { PreparedReference } from './reference.js'
import { columnDrift } from './window-analysis.js'
import { rangeDrift, referenceProfile, summarizeProfile } from './window-profile.js'

/** Window pages: a keyset on the window's number. */
const windowToken = pageTokenCodec((p): p is { readonly w: number } => isCount(p.w))
/** Alert pages, newest first: a keyset on (fired time, alert id). */
const alertToken = pageTokenCodec(
  (p): p is { readonly firedMs: number; readonly alertId: string } =>
    isCount(p.firedMs) && typeof p.alertId === 'string',
)

/** What the reads need from the service: the stores, a monitor and its reference. */
export interface ReadContext {
  readonly store: MonitorStore
  readonly log: PredictionLogStore
  get(monitorId: string): Promise<Monitor>
  reference(m: Monitor): Promise<PreparedReference>
}

export interface WindowQuery {
  monitorId: string
  startTime?: number
  endTime?: number
  maxResults?: number
  pageToken?: string
}

export interface AlertQuery {
  monitorId?: string
  deployment?: string
  maxResults?: number
  pageToken?: string
}

export interface ProfileQuery {
  monitorId: string
  startTime?: number
  endTime?: number
}

export class MonitorReads {
  private readonly referenceProfiles = new Map<string, { key: number; value: DatasetProfile }>()

  constructor(private readonly ctx: ReadContext) {}

  /** Drops what is cached for a deleted monitor. */
  forget(monitorId: string): void {
    this.referenceProfiles.delete(monitorId)
  }

  async windows(q: WindowQuery): Promise<Page<StoredWindow>> {
    await this.ctx.get(q.monitorId)
    const limit = validateMaxResults(q.maxResults, 100, 1000)
    const after = q.pageToken ? windowToken.decode(q.pageToken).w : undefined
    const page = await this.ctx.store.listWindows({
      monitorId: q.monitorId,
      ...(q.startTime !== undefined && { startTime: q.startTime }),
      ...(q.endTime !== undefined && { endTime: q.endTime }),
      ...(after !== undefined && { afterWindowId: after }),
      limit,
    })
    return keysetPage(page, windowToken, (last) => ({ w: last.windowId }))
  }

  /** The profiles of the windows in range merged, summarised per column, and their drift against the reference's profile. */
  async profile(q: ProfileQuery): Promise<MonitorProfile> {
    const m = await this.ctx.get(q.monitorId)
    if (q.startTime !== undefined && q.endTime !== undefined && q.endTime <= q.startTime)
      throw v.invalid('end_time', `${q.endTime} is not after start_time ${q.startTime}`)
    const ref = await this.ctx.reference(m)
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
      const page = await this.ctx.store.listWindows({
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

  async performance(q: WindowQuery): Promise<Page<MonitorPerformance>> {
    const m = await this.ctx.get(q.monitorId)
    const page = await this.windows(q)
    const items: MonitorPerformance[] = []
    for (const w of page.items) items.push(await windowPerformance(this.ctx.log, m, w))
    return { items, ...(page.nextPageToken && { nextPageToken: page.nextPageToken }) }
  }

  async alerts(q: AlertQuery): Promise<Page<MonitorAlert>> {
    if (q.monitorId !== undefined) await this.ctx.get(q.monitorId)
    if (q.deployment !== undefined) v.name(q.deployment, 'deployment', LIMITS.predictionNameLength)
    const limit = validateMaxResults(q.maxResults, 100, 1000)
    const before = q.pageToken ? alertToken.decode(q.pageToken) : undefined
    const page = await this.ctx.store.listAlerts({
      ...(q.monitorId !== undefined && { monitorId: q.monitorId }),
      ...(q.deployment !== undefined && { deployment: q.deployment }),
      ...(before && { before }),
      limit,
    })
    return keysetPage(page, alertToken, (last) => ({ firedMs: last.firedMs, alertId: last.alertId }), alertAsRead)
  }
}
