/**
 * The live monitors' store contract: monitors, their windows (a time series, numbered 1, 2, … per
 * monitor, each stored exactly once: a window whose number exists is refused, so two processes
 * running the same monitor cannot both store it) and fired alerts (one per rule and window).
 * A window and the alerts it fired are written in one transaction. Every implementation runs
 * test/conformance/monitor-store-conformance.ts.
 */
import type { AlertActionResult, AlertDelivery, Monitor, MonitorAlert, MonitorWindow } from '@keel/contracts'

/** Where in the log (timestamp, arrival seq) a window ends, inclusive: the next one starts after it. */
export interface LogCursor {
  readonly timestampMs: number
  readonly seq: number
}

/** A window as stored: the result and the log range it covers, `after` exclusive to `end` inclusive. */
export interface StoredWindow extends MonitorWindow {
  readonly after: LogCursor
  readonly end: LogCursor
  /** the DatasetProfile of every row of the window, as JSON text (absent for windows stored before profiles were kept) */
  readonly profile?: string
}

export interface WindowQuery {
  readonly monitorId: string
  /** windows with startMs >= startTime */
  readonly startTime?: number
  /** windows with startMs < endTime */
  readonly endTime?: number
  /** windows numbered above this */
  readonly afterWindowId?: number
  readonly limit: number
  /** also read each window's profile (left out otherwise: it is the bulk of a window) */
  readonly withProfiles?: boolean
}

export interface AlertQuery {
  readonly monitorId?: string
  readonly deployment?: string
  /** alerts fired before this one (newest first: by fired time, then id) */
  readonly before?: { readonly firedMs: number; readonly alertId: string }
  readonly limit: number
}

export interface Paged<T> {
  readonly items: readonly T[]
  readonly hasMore: boolean
}

export interface MonitorStore {
  /** Throws RESOURCE_ALREADY_EXISTS when the deployment has a monitor of that name. */
  createMonitor(monitor: Monitor): Promise<void>
  getMonitor(monitorId: string): Promise<Monitor | undefined>
  /** By deployment, then name. */
  listMonitors(deployment?: string): Promise<Monitor[]>
  /** Replaces the monitor's settings (not its last window, which appendWindow keeps). */
  updateMonitor(monitor: Monitor): Promise<void>
  /** Deletes the monitor, its windows and its alerts; false when there was none. */
  deleteMonitor(monitorId: string): Promise<boolean>
  /** Records why the last run failed (undefined clears it). */
  setLastError(monitorId: string, error: string | undefined): Promise<void>

  lastWindow(monitorId: string): Promise<StoredWindow | undefined>
  /**
   * Stores the window (its number must be the last one's + 1) and the alerts it fired, and moves
   * the monitor's last window, in one transaction. False, storing nothing, when a window of that
   * number exists already (another run stored it).
   */
  appendWindow(window: StoredWindow, alerts: readonly MonitorAlert[]): Promise<boolean>
  listWindows(query: WindowQuery): Promise<Paged<StoredWindow>>

  /** Stores an alert fired after its window (a late label); false when the rule fired for that window already. */
  addAlert(alert: MonitorAlert): Promise<boolean>
  /** Whether the rule fired for that window. */
  hasAlert(monitorId: string, ruleId: string, windowId: number): Promise<boolean>
  /** Records what the alert's webhook and action returned. */
  recordDelivery(
    alertId: string,
    webhook: AlertDelivery | undefined,
    action: AlertActionResult | undefined,
  ): Promise<void>
  listAlerts(query: AlertQuery): Promise<Paged<MonitorAlert>>
}
