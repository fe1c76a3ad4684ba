/**
 * The edge of the live monitors (`/keel/monitors/...`): wire requests in, the service called,
 * wire responses out.
 */
import {
  keelMonitorsApi as api,
  monitorAlertToWire,
  monitorPerformanceToWire,
  monitorProfileToWire,
  monitorToWire,
  monitorWindowToWire,
  type MonitorWindow,
} from '@keel/contracts'
import type { RpcRouter } from '../../http/rpc.js'
import { readableIds } from '../../search/index.js'
import type { StoredWindow } from './monitor-store.js'
import type { LiveMonitorService } from './monitor-service.js'

const windowToWire = (w: StoredWindow | MonitorWindow) => {
  const { after: _a, end: _e, profile: _p, ...window } = w as StoredWindow
  return monitorWindowToWire(window)
}

export function mountMonitorRoutes(router: RpcRouter, monitors: LiveMonitorService): void {
  router
    .add(api.createMonitor, async (r) => {
      const monitor = await monitors.create({
        name: r.name,
        deployment: r.deployment,
        ...(r.model_name !== undefined && { modelName: r.model_name }),
        ...(r.variant !== undefined && { variant: r.variant }),
        reference: r.reference,
        window: r.window,
        ...(r.columns !== undefined && { columns: r.columns }),
        ...(r.tests !== undefined && { tests: r.tests }),
        ...(r.thresholds !== undefined && { thresholds: r.thresholds }),
        ...(r.drift_share !== undefined && { driftShare: r.drift_share }),
        ...(r.task !== undefined && { task: r.task }),
        ...(r.prediction_column !== undefined && { predictionColumn: r.prediction_column }),
        ...(r.alert_rules !== undefined && { alertRules: r.alert_rules }),
        ...(r.lateness_seconds !== undefined && { latenessSeconds: r.lateness_seconds }),
        ...(r.start_time !== undefined && { startTime: r.start_time }),
      })
      return { monitor: monitorToWire(monitor) }
    })
    .add(api.listMonitors, async (r, c) => {
      const readable = await c.visible('deployment')
      const list = (await monitors.list(r.deployment)).filter((m) => readableIds([m.deployment], readable).length > 0)
      return { monitors: list.map(monitorToWire) }
    })
    .add(api.getMonitor, async (r) => ({ monitor: monitorToWire(await monitors.get(r.monitor_id)) }))
    .add(api.updateMonitor, async (r) => {
      const monitor = await monitors.update(r.monitor_id, {
        ...(r.status !== undefined && { status: r.status }),
        ...(r.alert_rules !== undefined && { alertRules: r.alert_rules }),
        ...(r.tests !== undefined && { tests: r.tests }),
        ...(r.thresholds !== undefined && { thresholds: r.thresholds }),
        ...(r.drift_share !== undefined && { driftShare: r.drift_share }),
        ...(r.lateness_seconds !== undefined && { latenessSeconds: r.lateness_seconds }),
      })
      return { monitor: monitorToWire(monitor) }
    })
    .add(api.deleteMonitor, async (r) => {
      await monitors.delete(r.monitor_id)
      return {}
    })
    .add(api.runMonitor, async (r) => {
      const result = await monitors.run(r.monitor_id)
      return { windows: result.windows.map(windowToWire), alerts: result.alerts.map(monitorAlertToWire) }
    })
    .add(api.listWindows, async (r) => {
      const page = await monitors.windows(query(r))
      return {
        windows: page.items.map(windowToWire),
        ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
      }
    })
    .add(api.getPerformance, async (r) => {
      const page = await monitors.performance(query(r))
      return {
        windows: page.items.map(monitorPerformanceToWire),
        ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
      }
    })
    .add(api.getProfile, async (r) => {
      const profile = await monitors.profile({
        monitorId: r.monitor_id,
        ...(r.start_time !== undefined && { startTime: r.start_time }),
        ...(r.end_time !== undefined && { endTime: r.end_time }),
      })
      return { profile: monitorProfileToWire(profile) }
    })
    .add(api.listAlerts, async (r) => {
      const page = await monitors.alerts({
        ...(r.monitor_id !== undefined && { monitorId: r.monitor_id }),
        ...(r.deployment !== undefined && { deployment: r.deployment }),
        ...(r.max_results !== undefined && { maxResults: r.max_results }),
        ...(r.page_token !== undefined && { pageToken: r.page_token }),
      })
      return {
        alerts: page.items.map(monitorAlertToWire),
        ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
      }
    })
}

function query(r: {
  monitor_id: string
  start_time?: number | undefined
  end_time?: number | undefined
  max_results?: number | undefined
  page_token?: string | undefined
}) {
  return {
    monitorId: r.monitor_id,
    ...(r.start_time !== undefined && { startTime: r.start_time }),
    ...(r.end_time !== undefined && { endTime: r.end_time }),
    ...(r.max_results !== undefined && { maxResults: r.max_results }),
    ...(r.page_token !== undefined && { pageToken: r.page_token }),
  }
}
