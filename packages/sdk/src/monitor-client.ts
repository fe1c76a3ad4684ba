/**
 * `MonitorClient` (`keel.monitors`): keel server's live monitors. Create a monitor on a served
 * deployment's prediction log, run it, and read its windows (drift of inputs and predictions,
 * quality, histograms), its realized performance (computed when read, so late labels count) and
 * its alerts. camelCase in and out; the wire stays inside.
 */
import {
  alertRuleToWire,
  keelMonitorsApi as api,
  monitorAlertFromWire,
  monitorFromWire,
  monitorPerformanceFromWire,
  monitorProfileFromWire,
  monitorWindowFromWire,
  type AlertRuleKind,
  type Monitor,
  type MonitorAlert,
  type MonitorPerformance,
  type MonitorProfile,
  type MonitorStatus,
  type MonitorTask,
  type MonitorWindow,
  type Page,
  type PerformanceMetric,
} from '@keel/contracts'
import { HttpClient, type HttpOptions } from './http.js'

export interface AlertRuleOptions {
  readonly ruleId?: string
  readonly kind: AlertRuleKind
  readonly column?: string
  readonly metric?: PerformanceMetric
  readonly threshold?: number
  readonly minLabelledRows?: number
  /** http or https; private, loopback and link-local targets only when the server's operator allows them */
  readonly webhookUrl?: string
  /**
   * The name of an action the server's operator defined (`keel server --config <file>`,
   * `actions.<name>`), run with the alert as JSON in KEEL_ALERT: e.g. 'retrain'. Programs are
   * the operator's: a rule cannot carry one.
   */
  readonly action?: string
}

export interface CreateMonitorOptions {
  readonly name: string
  readonly deployment: string
  readonly modelName?: string
  readonly variant?: string
  /** an artifact URI, a time range of the log, or a model version's training data */
  readonly reference:
    | { readonly uri: string }
    | { readonly log: { readonly startTime: number; readonly endTime: number } }
    | { readonly modelVersion: { readonly name: string; readonly version: string } }
  readonly window: { readonly count: number } | { readonly seconds: number }
  readonly columns?: readonly string[]
  readonly tests?: Readonly<Record<string, string>>
  readonly thresholds?: Readonly<Record<string, number>>
  readonly driftShare?: number
  readonly task?: MonitorTask
  readonly predictionColumn?: string
  readonly alertRules?: readonly AlertRuleOptions[]
  readonly latenessSeconds?: number
  readonly startTime?: number
}

export interface UpdateMonitorOptions {
  readonly status?: MonitorStatus
  readonly alertRules?: readonly AlertRuleOptions[]
  readonly tests?: Readonly<Record<string, string>>
  readonly thresholds?: Readonly<Record<string, number>>
  readonly driftShare?: number
  readonly latenessSeconds?: number
}

export interface WindowFilter {
  readonly startTime?: number
  readonly endTime?: number
  readonly maxResults?: number
  readonly pageToken?: string
}

export class MonitorClient {
  readonly http: HttpClient

  constructor(options: HttpOptions | HttpClient = {}) {
    this.http = options instanceof HttpClient ? options : new HttpClient(options)
  }

  async create(o: CreateMonitorOptions): Promise<Monitor> {
    const ref = o.reference
    const reference =
      'uri' in ref
        ? { uri: ref.uri }
        : 'log' in ref
          ? { log: { start_time: ref.log.startTime, end_time: ref.log.endTime } }
          : { model_version: { ...ref.modelVersion } }
    const res = await this.http.call(api.createMonitor, {
      name: o.name,
      deployment: o.deployment,
      model_name: o.modelName,
      variant: o.variant,
      reference,
      window: { ...o.window },
      columns: o.columns ? [...o.columns] : undefined,
      tests: o.tests ? { ...o.tests } : undefined,
      thresholds: o.thresholds ? { ...o.thresholds } : undefined,
      drift_share: o.driftShare,
      task: o.task,
      prediction_column: o.predictionColumn,
      alert_rules: o.alertRules?.map(alertRuleToWire),
      lateness_seconds: o.latenessSeconds,
      start_time: o.startTime,
    })
    return monitorFromWire(res.monitor)
  }

  async list(deployment?: string): Promise<Monitor[]> {
    return (await this.http.call(api.listMonitors, { deployment })).monitors.map(monitorFromWire)
  }

  async get(monitorId: string): Promise<Monitor> {
    return monitorFromWire((await this.http.call(api.getMonitor, { monitor_id: monitorId })).monitor)
  }

  async update(monitorId: string, o: UpdateMonitorOptions): Promise<Monitor> {
    const res = await this.http.call(api.updateMonitor, {
      monitor_id: monitorId,
      status: o.status,
      alert_rules: o.alertRules?.map(alertRuleToWire),
      tests: o.tests ? { ...o.tests } : undefined,
      thresholds: o.thresholds ? { ...o.thresholds } : undefined,
      drift_share: o.driftShare,
      lateness_seconds: o.latenessSeconds,
    })
    return monitorFromWire(res.monitor)
  }

  async delete(monitorId: string): Promise<void> {
    await this.http.call(api.deleteMonitor, { monitor_id: monitorId })
  }

  /** Processes every complete window not processed yet; the new windows and the alerts they fired. */
  async run(monitorId: string): Promise<{ windows: MonitorWindow[]; alerts: MonitorAlert[] }> {
    const res = await this.http.call(api.runMonitor, { monitor_id: monitorId })
    return { windows: res.windows.map(monitorWindowFromWire), alerts: res.alerts.map(monitorAlertFromWire) }
  }

  async windows(monitorId: string, f: WindowFilter = {}): Promise<Page<MonitorWindow>> {
    const res = await this.http.call(api.listWindows, {
      monitor_id: monitorId,
      start_time: f.startTime,
      end_time: f.endTime,
      max_results: f.maxResults,
      page_token: f.pageToken,
    })
    const items = res.windows.map(monitorWindowFromWire)
    return res.next_page_token ? { items, nextPageToken: res.next_page_token } : { items }
  }

  async performance(monitorId: string, f: WindowFilter = {}): Promise<Page<MonitorPerformance>> {
    const res = await this.http.call(api.getPerformance, {
      monitor_id: monitorId,
      start_time: f.startTime,
      end_time: f.endTime,
      max_results: f.maxResults,
      page_token: f.pageToken,
    })
    const items = res.windows.map(monitorPerformanceFromWire)
    return res.next_page_token ? { items, nextPageToken: res.next_page_token } : { items }
  }

  /** The windows in range (startTime <= start < endTime) merged from their stored profiles: per column summary and drift against the reference. */
  async profile(monitorId: string, f: { startTime?: number; endTime?: number } = {}): Promise<MonitorProfile> {
    const res = await this.http.call(api.getProfile, {
      monitor_id: monitorId,
      start_time: f.startTime,
      end_time: f.endTime,
    })
    return monitorProfileFromWire(res.profile)
  }

  async alerts(
    f: { monitorId?: string; deployment?: string; maxResults?: number; pageToken?: string } = {},
  ): Promise<Page<MonitorAlert>> {
    const res = await this.http.call(api.listAlerts, {
      monitor_id: f.monitorId,
      deployment: f.deployment,
      max_results: f.maxResults,
      page_token: f.pageToken,
    })
    const items = res.alerts.map(monitorAlertFromWire)
    return res.next_page_token ? { items, nextPageToken: res.next_page_token } : { items }
  }
}
