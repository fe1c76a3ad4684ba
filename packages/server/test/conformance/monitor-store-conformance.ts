/**
 * The contract of MonitorStore (src/monitoring/live/monitor-store.ts) as executable tests. Every
 * implementation calls `runMonitorStoreConformance` with a factory for a fresh, empty store.
 */
import type { Monitor, MonitorAlert } from '@keel/contracts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { MonitorStore, StoredWindow } from '../../src/monitoring/live/monitor-store.js'

export interface MonitorStoreHandle {
  readonly store: MonitorStore
  close(): Promise<void>
}

const T0 = 1_764_200_000_000

export function monitor(id: string, over: Partial<Monitor> = {}): Monitor {
  return {
    monitorId: id,
    name: `m-${id}`,
    deployment: 'iris',
    reference: { kind: 'log', startTime: T0, endTime: T0 + 1000 },
    window: { kind: 'count', count: 100 },
    tests: { x: 'ks' },
    thresholds: {},
    driftShare: 0.5,
    alertRules: [{ ruleId: 'r1', kind: 'drift_share', threshold: 0.3, webhookUrl: 'http://127.0.0.1:1/x' }],
    status: 'active',
    latenessMs: 5000,
    createdMs: T0,
    updatedMs: T0,
    ...over,
  }
}

export function window(monitorId: string, windowId: number): StoredWindow {
  const start = T0 + windowId * 1000
  return {
    monitorId,
    windowId,
    startMs: start,
    endMs: start + 1000,
    rows: 100,
    sampledRows: 100,
    datasetDrift: windowId % 2 === 0,
    driftShare: 0.25,
    driftedColumns: ['x'],
    columns: [
      { column: 'x', featureType: 'num', test: 'ks', statistic: 0.3, score: 0.01, threshold: 0.05, drifted: true },
    ],
    quality: {
      findings: [{ check: 'null_share', column: 'x', severity: 'warning', message: 'x is 10% missing', value: 0.1 }],
      nullShares: { x: 0.1 },
    },
    histograms: { x: { kind: 'numeric', edges: [0, 1, 2], reference: [3, 4], current: [5, 6] } },
    createdMs: start + 2000,
    after: { timestampMs: start - 1, seq: windowId * 10 },
    end: { timestampMs: start + 999, seq: windowId * 10 + 9 },
  }
}

export function alert(monitorId: string, windowId: number, ruleId = 'r1', firedMs = T0 + windowId): MonitorAlert {
  return {
    alertId: `${monitorId}-${ruleId}-${windowId}`,
    monitorId,
    deployment: 'iris',
    ruleId,
    windowId,
    firedMs,
    kind: 'drift_share',
    message: 'drifted',
    value: 0.5,
    threshold: 0.3,
  }
}

export function runMonitorStoreConformance(options: {
  name: string
  newStore: () => Promise<MonitorStoreHandle>
}): void {
  describe(`MonitorStore conformance: ${options.name}`, () => {
    let handle: MonitorStoreHandle
    let store: MonitorStore
    beforeEach(async () => {
      handle = await options.newStore()
      store = handle.store
    })
    afterEach(async () => handle.close())

    it('creates, reads, lists by deployment then name, and refuses a second monitor of the same name on a deployment', async () => {
      await store.createMonitor(monitor('b'))
      await store.createMonitor(monitor('a', { deployment: 'other' }))
      await store.createMonitor(monitor('c', { name: 'm-a' }))
      expect(await store.getMonitor('b')).toEqual(monitor('b'))
      expect(await store.getMonitor('nope')).toBeUndefined()
      expect((await store.listMonitors()).map((m) => m.monitorId)).toEqual(['c', 'b', 'a'])
      expect((await store.listMonitors('iris')).map((m) => m.monitorId)).toEqual(['c', 'b'])
      await expect(store.createMonitor(monitor('d', { name: 'm-b' }))).rejects.toMatchObject({
        code: 'RESOURCE_ALREADY_EXISTS',
      })
      await store.createMonitor(monitor('e', { name: 'm-b', deployment: 'other' }))
    })

    it('updates settings without touching the last window; records and clears the last error', async () => {
      await store.createMonitor(monitor('a'))
      await store.appendWindow(window('a', 1), [])
      await store.updateMonitor(monitor('a', { status: 'paused', driftShare: 0.2, updatedMs: T0 + 5 }))
      await store.setLastError('a', 'cannot read the reference')
      expect(await store.getMonitor('a')).toEqual({
        ...monitor('a', { status: 'paused', driftShare: 0.2, updatedMs: T0 + 5 }),
        lastWindowId: 1,
        lastWindowEndMs: window('a', 1).endMs,
        lastError: 'cannot read the reference',
      })
      await store.setLastError('a', undefined)
      expect((await store.getMonitor('a'))!.lastError).toBeUndefined()
    })

    it('appends windows in order, exactly once, with their alerts in the same transaction', async () => {
      await store.createMonitor(monitor('a'))
      expect(await store.lastWindow('a')).toBeUndefined()
      expect(await store.appendWindow(window('a', 1), [alert('a', 1)])).toBe(true)
      // the same number again (another process stored it first), or a gap: refused, nothing stored
      expect(await store.appendWindow(window('a', 1), [alert('a', 1, 'r2')])).toBe(false)
      expect(await store.appendWindow(window('a', 3), [alert('a', 3)])).toBe(false)
      expect(await store.appendWindow(window('a', 2), [])).toBe(true)
      expect(await store.lastWindow('a')).toEqual(window('a', 2))
      expect((await store.listAlerts({ monitorId: 'a', limit: 10 })).items.map((x) => x.alertId)).toEqual(['a-r1-1'])
      expect((await store.getMonitor('a'))!.lastWindowId).toBe(2)
      await expect(store.appendWindow(window('nope', 1), [])).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })
    })

    it('lists windows by number with time filters and paging', async () => {
      await store.createMonitor(monitor('a'))
      await store.createMonitor(monitor('b'))
      for (let i = 1; i <= 5; i++) await store.appendWindow(window('a', i), [])
      await store.appendWindow(window('b', 1), [])
      const all = await store.listWindows({ monitorId: 'a', limit: 10 })
      expect(all.items).toEqual([1, 2, 3, 4, 5].map((i) => window('a', i)))
      expect(all.hasMore).toBe(false)
      const page = await store.listWindows({ monitorId: 'a', limit: 2, afterWindowId: 2 })
      expect(page.items.map((w) => w.windowId)).toEqual([3, 4])
      expect(page.hasMore).toBe(true)
      const timed = await store.listWindows({
        monitorId: 'a',
        startTime: window('a', 2).startMs,
        endTime: window('a', 4).startMs,
        limit: 10,
      })
      expect(timed.items.map((w) => w.windowId)).toEqual([2, 3])
    })

    it('keeps a window’s profile JSON, read only when asked for; a window without one has none', async () => {
      await store.createMonitor(monitor('a'))
      const profile = JSON.stringify({
        kind: 'dataset_profile',
        v: 1,
        rows: 2,
        columns: { x: { note: 'é'.repeat(50_000) } },
      })
      await store.appendWindow({ ...window('a', 1), profile }, [])
      await store.appendWindow(window('a', 2), [])
      const withProfiles = await store.listWindows({ monitorId: 'a', limit: 10, withProfiles: true })
      expect(withProfiles.items).toEqual([{ ...window('a', 1), profile }, window('a', 2)])
      expect((await store.listWindows({ monitorId: 'a', limit: 10 })).items).toEqual([window('a', 1), window('a', 2)])
      expect(await store.lastWindow('a')).toEqual(window('a', 2))
    })

    it('adds a late alert once per rule and window, records deliveries, lists newest first by monitor or deployment', async () => {
      await store.createMonitor(monitor('a'))
      await store.createMonitor(monitor('b', { deployment: 'other' }))
      await store.appendWindow(window('a', 1), [alert('a', 1)])
      expect(await store.hasAlert('a', 'perf', 1)).toBe(false)
      expect(await store.addAlert(alert('a', 1, 'perf', T0 + 50))).toBe(true)
      expect(await store.addAlert({ ...alert('a', 1, 'perf'), alertId: 'other-id' })).toBe(false)
      expect(await store.hasAlert('a', 'perf', 1)).toBe(true)
      await store.appendWindow(window('b', 1), [{ ...alert('b', 1, 'r1', T0 + 20), deployment: 'other' }])
      await store.recordDelivery(
        'a-perf-1',
        { url: 'http://x/', status: 204 },
        { name: 'retrain', exitCode: 3, outputTail: 'done' },
      )
      const byMonitor = await store.listAlerts({ monitorId: 'a', limit: 10 })
      expect(byMonitor.items.map((x) => x.alertId)).toEqual(['a-perf-1', 'a-r1-1'])
      expect(byMonitor.items[0]).toMatchObject({
        webhook: { url: 'http://x/', status: 204 },
        action: { name: 'retrain', exitCode: 3, outputTail: 'done' },
      })
      const all = await store.listAlerts({ limit: 2 })
      expect(all.items.map((x) => x.alertId)).toEqual(['a-perf-1', 'b-r1-1'])
      expect(all.hasMore).toBe(true)
      const rest = await store.listAlerts({
        limit: 2,
        before: { firedMs: all.items[1]!.firedMs, alertId: all.items[1]!.alertId },
      })
      expect(rest.items.map((x) => x.alertId)).toEqual(['a-r1-1'])
      expect((await store.listAlerts({ deployment: 'other', limit: 10 })).items.map((x) => x.alertId)).toEqual([
        'b-r1-1',
      ])
    })

    it('deletes a monitor with its windows and alerts', async () => {
      await store.createMonitor(monitor('a'))
      await store.appendWindow(window('a', 1), [alert('a', 1)])
      expect(await store.deleteMonitor('a')).toBe(true)
      expect(await store.deleteMonitor('a')).toBe(false)
      expect(await store.getMonitor('a')).toBeUndefined()
      expect(await store.lastWindow('a')).toBeUndefined()
      expect((await store.listAlerts({ monitorId: 'a', limit: 10 })).items).toEqual([])
      // the name is free again
      await store.createMonitor(monitor('a2', { name: 'm-a' }))
    })
  })
}
