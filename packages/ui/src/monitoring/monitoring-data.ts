/**
 * The monitoring pages' data: loaders over the public API (`/keel/monitors/...` and
 * `/keel/predictions/deployments`, through the endpoint tables and wire converters of
 * @keel/contracts) and the words the pages use for a monitor's settings.
 */
import {
  type Monitor,
  type MonitorAlert,
  type MonitorPerformance,
  type MonitorReference,
  type MonitorWindow,
  type MonitorWindowSpec,
  type PredictionDeploymentSummary,
  keelMonitorsApi,
  keelPredictionsApi,
  monitorAlertFromWire,
  monitorFromWire,
  monitorPerformanceFromWire,
  monitorWindowFromWire,
  predictionDeploymentFromWire,
} from '@keel/contracts'
import { call } from '../api/client'
import { formatNumber } from '../format'

/** Windows a page of `monitors/windows` or `monitors/performance` may hold (the server's limit). */
const PAGE = 1000

export async function listDeployments(signal: AbortSignal): Promise<PredictionDeploymentSummary[]> {
  return (await call(keelPredictionsApi.listPredictionDeployments, {}, signal)).deployments.map(
    predictionDeploymentFromWire,
  )
}

export async function listMonitors(signal: AbortSignal, deployment?: string): Promise<Monitor[]> {
  return (await call(keelMonitorsApi.listMonitors, deployment ? { deployment } : {}, signal)).monitors.map(
    monitorFromWire,
  )
}

export async function getMonitor(monitorId: string, signal: AbortSignal): Promise<Monitor> {
  return monitorFromWire((await call(keelMonitorsApi.getMonitor, { monitor_id: monitorId }, signal)).monitor)
}

export async function updateMonitorStatus(monitorId: string, status: 'active' | 'paused'): Promise<Monitor> {
  return monitorFromWire((await call(keelMonitorsApi.updateMonitor, { monitor_id: monitorId, status })).monitor)
}

export async function runMonitor(monitorId: string): Promise<{ windows: number; alerts: number }> {
  const res = await call(keelMonitorsApi.runMonitor, { monitor_id: monitorId })
  return { windows: res.windows.length, alerts: res.alerts.length }
}

/** Windows from `startTime` on, in order, at most `maxPages` pages; `more` when the server has more. */
export async function listWindows(
  monitorId: string,
  startTime: number | undefined,
  maxPages: number,
  signal: AbortSignal,
): Promise<{ windows: MonitorWindow[]; more: boolean }> {
  const windows: MonitorWindow[] = []
  let token: string | undefined
  for (let page = 0; page < maxPages; page++) {
    const res = await call(
      keelMonitorsApi.listWindows,
      {
        monitor_id: monitorId,
        max_results: PAGE,
        ...(startTime !== undefined && { start_time: Math.floor(startTime) }),
        ...(token && { page_token: token }),
      },
      signal,
    )
    windows.push(...res.windows.map(monitorWindowFromWire))
    token = res.next_page_token
    if (!token) return { windows, more: false }
  }
  return { windows, more: true }
}

/** Realized performance (computed by the server when read) from `startTime` on. */
export async function listPerformance(
  monitorId: string,
  startTime: number | undefined,
  maxPages: number,
  signal: AbortSignal,
): Promise<{ windows: MonitorPerformance[]; more: boolean }> {
  const windows: MonitorPerformance[] = []
  let token: string | undefined
  for (let page = 0; page < maxPages; page++) {
    const res = await call(
      keelMonitorsApi.getPerformance,
      {
        monitor_id: monitorId,
        max_results: PAGE,
        ...(startTime !== undefined && { start_time: Math.floor(startTime) }),
        ...(token && { page_token: token }),
      },
      signal,
    )
    windows.push(...res.windows.map(monitorPerformanceFromWire))
    token = res.next_page_token
    if (!token) return { windows, more: false }
  }
  return { windows, more: true }
}

/** A monitor's alerts, newest first (one page). */
export async function listAlerts(
  monitorId: string,
  signal: AbortSignal,
  maxResults = 500,
): Promise<{ alerts: MonitorAlert[]; more: boolean }> {
  const res = await call(keelMonitorsApi.listAlerts, { monitor_id: monitorId, max_results: maxResults }, signal)
  return { alerts: res.alerts.map(monitorAlertFromWire), more: Boolean(res.next_page_token) }
}

/**
 * A monitor's newest window. The API lists windows oldest first from a start time, so this asks
 * from shortly before the last window's end (exact for time windows), widening once if needed.
 */
export async function lastWindow(m: Monitor, signal: AbortSignal): Promise<MonitorWindow | undefined> {
  if (m.lastWindowId === undefined || m.lastWindowEndMs === undefined) return undefined
  const spans = m.window.kind === 'time' ? [m.window.seconds * 1000] : [3_600_000, undefined]
  for (const span of spans) {
    const { windows } = await listWindows(
      m.monitorId,
      span === undefined ? undefined : m.lastWindowEndMs - span,
      50,
      signal,
    )
    const last = windows.find((w) => w.windowId === m.lastWindowId) ?? windows.at(-1)
    if (last) return last
  }
  return undefined
}

/** The model a monitor watches: its own, else its reference's registered model. */
export function monitorModel(m: Monitor): string | undefined {
  return m.modelName ?? (m.reference.kind === 'modelVersion' ? m.reference.name : undefined)
}

export function describeWindow(w: MonitorWindowSpec): string {
  if (w.kind === 'count') return `every ${formatNumber(w.count)} rows`
  const s = w.seconds
  if (s % 86_400 === 0) return `every ${s / 86_400} d`
  if (s % 3600 === 0) return `every ${s / 3600} h`
  if (s % 60 === 0) return `every ${s / 60} min`
  return `every ${formatNumber(s)} s`
}

export function describeReference(r: MonitorReference, formatTime: (ms: number) => string): string {
  if (r.kind === 'uri') return r.uri
  if (r.kind === 'log') return `the log from ${formatTime(r.startTime)} to ${formatTime(r.endTime)}`
  return `training data of ${r.name} v${r.version}${r.uri ? ` (${r.uri})` : ''}`
}
