/**
 * Live monitors over SQL. A window and the alerts it fired are one write transaction, keyed by
 * (monitor, window number): a second writer of the same window fails on the key and stores
 * nothing. Results and settings are JSON text.
 */
import {
  KeelError,
  type AlertActionResult,
  type AlertDelivery,
  type Monitor,
  type MonitorAlert,
  type MonitorWindow,
} from '@keel/contracts'
import type { ColumnType, Insertable, Kysely, Selectable } from 'kysely'
import type { AlertQuery, MonitorStore, Paged, StoredWindow, WindowQuery } from '../../monitoring/live/monitor-store.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { isUniqueViolation, withWriteTransaction } from '../sql-util.js'

type Int64 = ColumnType<number, number | bigint, number | bigint>

interface MonitorsTable {
  monitor_id: string
  deployment: string
  name: string
  settings: string
  last_window_id: Int64 | null
  last_window_end_ms: Int64 | null
  last_error: string | null
}

interface MonitorWindowsTable {
  monitor_id: string
  window_id: Int64
  start_ms: Int64
  end_ms: Int64
  after_ts: Int64
  after_seq: Int64
  end_ts: Int64
  end_seq: Int64
  result: string
  /** 0006: the window's DatasetProfile JSON */
  profile: string | null
}

interface MonitorAlertsTable {
  alert_id: string
  monitor_id: string
  deployment: string
  rule_id: string
  window_id: Int64
  fired_ms: Int64
  alert: string
}

type MonitorTables = {
  monitors: MonitorsTable
  monitor_windows: MonitorWindowsTable
  monitor_alerts: MonitorAlertsTable
}
type MonitorDb = Kysely<MonitorTables>

const tables = (db: Kysely<Database>): MonitorDb => db.withTables<MonitorTables>() as unknown as MonitorDb

type Settings = Omit<Monitor, 'lastWindowId' | 'lastWindowEndMs' | 'lastError'>

function settingsOf(m: Monitor): string {
  const { lastWindowId: _a, lastWindowEndMs: _b, lastError: _c, ...settings } = m
  return JSON.stringify(settings)
}

function monitorFromRow(row: Selectable<MonitorsTable>): Monitor {
  const settings = JSON.parse(row.settings) as Settings
  return {
    ...settings,
    ...(row.last_window_id !== null && { lastWindowId: Number(row.last_window_id) }),
    ...(row.last_window_end_ms !== null && { lastWindowEndMs: Number(row.last_window_end_ms) }),
    ...(row.last_error !== null && { lastError: row.last_error }),
  }
}

type WindowRow = Omit<Selectable<MonitorWindowsTable>, 'profile'> & { profile?: string | null }

function windowFromRow(row: WindowRow): StoredWindow {
  const result = JSON.parse(row.result) as MonitorWindow
  return {
    ...result,
    after: { timestampMs: Number(row.after_ts), seq: Number(row.after_seq) },
    end: { timestampMs: Number(row.end_ts), seq: Number(row.end_seq) },
    ...(typeof row.profile === 'string' && { profile: row.profile }),
  }
}

const WINDOW_COLUMNS = [
  'monitor_id',
  'window_id',
  'start_ms',
  'end_ms',
  'after_ts',
  'after_seq',
  'end_ts',
  'end_seq',
  'result',
] as const

function alertRow(a: MonitorAlert): Insertable<MonitorAlertsTable> {
  return {
    alert_id: a.alertId,
    monitor_id: a.monitorId,
    deployment: a.deployment,
    rule_id: a.ruleId,
    window_id: a.windowId,
    fired_ms: a.firedMs,
    alert: JSON.stringify(a),
  }
}

export class SqlMonitorStore implements MonitorStore {
  private readonly db: MonitorDb

  constructor(
    private readonly base: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {
    this.db = tables(base)
  }

  private write<T>(fn: (tx: MonitorDb) => Promise<T>): Promise<T> {
    return withWriteTransaction(this.base, this.ops, (tx) => fn(tables(tx)))
  }

  async createMonitor(m: Monitor): Promise<void> {
    try {
      await this.db
        .insertInto('monitors')
        .values({
          monitor_id: m.monitorId,
          deployment: m.deployment,
          name: m.name,
          settings: settingsOf(m),
          last_window_id: null,
          last_window_end_ms: null,
          last_error: null,
        })
        .execute()
    } catch (error) {
      if (isUniqueViolation(error))
        throw KeelError.alreadyExists(`Deployment '${m.deployment}' already has a monitor named '${m.name}'`)
      throw error
    }
  }

  async getMonitor(monitorId: string): Promise<Monitor | undefined> {
    const row = await this.db.selectFrom('monitors').selectAll().where('monitor_id', '=', monitorId).executeTakeFirst()
    return row && monitorFromRow(row)
  }

  async listMonitors(deployment?: string): Promise<Monitor[]> {
    let query = this.db.selectFrom('monitors').selectAll()
    if (deployment !== undefined) query = query.where('deployment', '=', deployment)
    const rows = await query.orderBy('deployment').orderBy('name').execute()
    return rows.map(monitorFromRow)
  }

  async updateMonitor(m: Monitor): Promise<void> {
    await this.db
      .updateTable('monitors')
      .set({ settings: settingsOf(m) })
      .where('monitor_id', '=', m.monitorId)
      .execute()
  }

  async deleteMonitor(monitorId: string): Promise<boolean> {
    return this.write(async (tx) => {
      await tx.deleteFrom('monitor_alerts').where('monitor_id', '=', monitorId).execute()
      await tx.deleteFrom('monitor_windows').where('monitor_id', '=', monitorId).execute()
      const result = await tx.deleteFrom('monitors').where('monitor_id', '=', monitorId).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    })
  }

  async setLastError(monitorId: string, error: string | undefined): Promise<void> {
    await this.db
      .updateTable('monitors')
      .set({ last_error: error ?? null })
      .where('monitor_id', '=', monitorId)
      .execute()
  }

  async lastWindow(monitorId: string): Promise<StoredWindow | undefined> {
    const row = await this.db
      .selectFrom('monitor_windows')
      .select(WINDOW_COLUMNS)
      .where('monitor_id', '=', monitorId)
      .orderBy('window_id', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row && windowFromRow(row)
  }

  async appendWindow(w: StoredWindow, alerts: readonly MonitorAlert[]): Promise<boolean> {
    const { after, end, profile, ...result } = w
    try {
      return await this.write(async (tx) => {
        const monitor = await tx
          .selectFrom('monitors')
          .select(['last_window_id'])
          .where('monitor_id', '=', w.monitorId)
          .executeTakeFirst()
        if (!monitor) throw KeelError.notFound(`Monitor '${w.monitorId}' does not exist`)
        const last = monitor.last_window_id === null ? 0 : Number(monitor.last_window_id)
        if (w.windowId !== last + 1) return false
        await tx
          .insertInto('monitor_windows')
          .values({
            monitor_id: w.monitorId,
            window_id: w.windowId,
            start_ms: w.startMs,
            end_ms: w.endMs,
            after_ts: after.timestampMs,
            after_seq: after.seq,
            end_ts: end.timestampMs,
            end_seq: end.seq,
            result: JSON.stringify(result),
            profile: profile ?? null,
          })
          .execute()
        if (alerts.length > 0) await tx.insertInto('monitor_alerts').values(alerts.map(alertRow)).execute()
        await tx
          .updateTable('monitors')
          .set({ last_window_id: w.windowId, last_window_end_ms: w.endMs })
          .where('monitor_id', '=', w.monitorId)
          .execute()
        return true
      })
    } catch (error) {
      if (isUniqueViolation(error)) return false
      throw error
    }
  }

  async listWindows(q: WindowQuery): Promise<Paged<StoredWindow>> {
    let query = this.db
      .selectFrom('monitor_windows')
      .select(q.withProfiles ? [...WINDOW_COLUMNS, 'profile'] : WINDOW_COLUMNS)
      .where('monitor_id', '=', q.monitorId)
    if (q.startTime !== undefined) query = query.where('start_ms', '>=', q.startTime)
    if (q.endTime !== undefined) query = query.where('start_ms', '<', q.endTime)
    if (q.afterWindowId !== undefined) query = query.where('window_id', '>', q.afterWindowId)
    const rows = await query
      .orderBy('window_id')
      .limit(q.limit + 1)
      .execute()
    return { items: rows.slice(0, q.limit).map(windowFromRow), hasMore: rows.length > q.limit }
  }

  async addAlert(alert: MonitorAlert): Promise<boolean> {
    try {
      await this.db.insertInto('monitor_alerts').values(alertRow(alert)).execute()
      return true
    } catch (error) {
      if (isUniqueViolation(error)) return false
      throw error
    }
  }

  async hasAlert(monitorId: string, ruleId: string, windowId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('monitor_alerts')
      .select('alert_id')
      .where('monitor_id', '=', monitorId)
      .where('rule_id', '=', ruleId)
      .where('window_id', '=', windowId)
      .executeTakeFirst()
    return row !== undefined
  }

  async recordDelivery(
    alertId: string,
    webhook: AlertDelivery | undefined,
    action: AlertActionResult | undefined,
  ): Promise<void> {
    await this.write(async (tx) => {
      const row = await tx
        .selectFrom('monitor_alerts')
        .select('alert')
        .where('alert_id', '=', alertId)
        .executeTakeFirst()
      if (!row) return
      const alert = JSON.parse(row.alert) as MonitorAlert
      const updated: MonitorAlert = { ...alert, ...(webhook && { webhook }), ...(action && { action }) }
      await tx
        .updateTable('monitor_alerts')
        .set({ alert: JSON.stringify(updated) })
        .where('alert_id', '=', alertId)
        .execute()
    })
  }

  async listAlerts(q: AlertQuery): Promise<Paged<MonitorAlert>> {
    let query = this.db.selectFrom('monitor_alerts').select(['alert'])
    if (q.monitorId !== undefined) query = query.where('monitor_id', '=', q.monitorId)
    if (q.deployment !== undefined) query = query.where('deployment', '=', q.deployment)
    const before = q.before
    if (before) {
      query = query.where((eb) =>
        eb.or([
          eb('fired_ms', '<', before.firedMs),
          eb.and([eb('fired_ms', '=', before.firedMs), eb('alert_id', '<', before.alertId)]),
        ]),
      )
    }
    const rows = await query
      .orderBy('fired_ms', 'desc')
      .orderBy('alert_id', 'desc')
      .limit(q.limit + 1)
      .execute()
    return {
      items: rows.slice(0, q.limit).map((r) => JSON.parse(r.alert) as MonitorAlert),
      hasMore: rows.length > q.limit,
    }
  }
}
