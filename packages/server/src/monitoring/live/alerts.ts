/**
 * Alert rules: which fire for a window (drift share, a column's drift, prediction drift, data
 * quality, estimated performance) or for its realized performance once labels allow, and the
 * delivery of a fired alert: a JSON POST to a webhook (a timeout and one retry) and a command run
 * with an argv array (no shell) and the alert as JSON in `KEEL_ALERT`.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { monitorAlertToWire, type AlertCommandResult, type AlertDelivery, type AlertRule, type Monitor, type MonitorAlert, type MonitorPerformance, type MonitorWindow } from '@keel/contracts'

export const WEBHOOK_TIMEOUT_MS = 5_000
export const COMMAND_TIMEOUT_MS = 10 * 60_000
const OUTPUT_TAIL = 4096

interface Firing {
  readonly message: string
  readonly value: number
  readonly threshold: number
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4))
const lowerIsBetter = (metric: string) => metric === 'rmse' || metric === 'mae'

/** Whether a rule fires for a freshly processed window (not `performance`: see performanceFiring). */
export function windowFiring(rule: AlertRule, w: MonitorWindow): Firing | undefined {
  switch (rule.kind) {
    case 'drift_share':
      return w.driftShare > rule.threshold
        ? { message: `${w.driftedColumns.length} of ${w.columns.length} columns drifted (share ${fmt(w.driftShare)} > ${fmt(rule.threshold)}): ${w.driftedColumns.join(', ')}`, value: w.driftShare, threshold: rule.threshold }
        : undefined
    case 'column_drift': {
      const c = w.columns.find((x) => x.column === rule.column)
      return c?.drifted ? { message: `column '${c.column}' drifted (${c.test} score ${fmt(c.score ?? Number.NaN)}, threshold ${fmt(c.threshold ?? 0)})`, value: c.score ?? 0, threshold: c.threshold ?? rule.threshold } : undefined
    }
    case 'prediction_drift': {
      const p = w.predictionDrift
      return p?.drifted ? { message: `predictions drifted (${p.test} score ${fmt(p.score ?? Number.NaN)}, threshold ${fmt(p.threshold ?? 0)})`, value: p.score ?? 0, threshold: p.threshold ?? rule.threshold } : undefined
    }
    case 'quality': {
      const shares = Object.entries(w.quality.nullShares).filter(([c]) => rule.column === undefined || c === rule.column)
      const worst = shares.sort((a, b) => b[1] - a[1])[0]
      return worst && worst[1] > rule.threshold
        ? { message: `column '${worst[0]}' is ${fmt(worst[1] * 100)}% missing (> ${fmt(rule.threshold * 100)}%)`, value: worst[1], threshold: rule.threshold }
        : undefined
    }
    case 'estimated_performance': {
      const e = w.estimatedPerformance
      const metric = rule.metric ?? 'accuracy'
      const value = e?.metrics[metric]
      if (e === undefined || value === undefined) return undefined
      if (value < rule.threshold) return { message: `estimated ${metric} (${e.method}) ${fmt(value)} < ${fmt(rule.threshold)}`, value, threshold: rule.threshold }
      const lower = e.lower?.[metric]
      const upper = e.upper?.[metric]
      if (lower !== undefined && value < lower) return { message: `estimated ${metric} (${e.method}) ${fmt(value)} below its band [${fmt(lower)}, ${fmt(upper ?? 1)}]`, value, threshold: lower }
      if (upper !== undefined && value > upper) return { message: `estimated ${metric} (${e.method}) ${fmt(value)} above its band [${fmt(lower ?? 0)}, ${fmt(upper)}]`, value, threshold: upper }
      return undefined
    }
    default:
      return undefined
  }
}

/** Whether a `performance` rule fires for a window's realized performance (enough labelled rows). */
export function performanceFiring(rule: AlertRule, p: MonitorPerformance): Firing | undefined {
  if (rule.kind !== 'performance') return undefined
  const metric = rule.metric ?? 'accuracy'
  const value = p.metrics[metric]
  if (value === undefined || p.labelledRows < (rule.minLabelledRows ?? 1)) return undefined
  const bad = lowerIsBetter(metric) ? value > rule.threshold : value < rule.threshold
  return bad
    ? { message: `${metric} ${fmt(value)} ${lowerIsBetter(metric) ? '>' : '<'} ${fmt(rule.threshold)} on ${p.labelledRows} labelled rows`, value, threshold: rule.threshold }
    : undefined
}

export function newAlert(m: Monitor, rule: AlertRule, windowId: number, firing: Firing, now: number): MonitorAlert {
  return {
    alertId: randomUUID().replace(/-/g, ''),
    monitorId: m.monitorId,
    deployment: m.deployment,
    ruleId: rule.ruleId,
    windowId,
    firedMs: now,
    kind: rule.kind,
    message: `${m.name} (${m.deployment}), window ${windowId}: ${firing.message}`,
    value: firing.value,
    threshold: firing.threshold,
    ...(rule.webhookUrl !== undefined && { webhook: { url: rule.webhookUrl } }),
    ...(rule.command !== undefined && { command: { argv: [...rule.command], exitCode: null, outputTail: '' } }),
  }
}

async function postOnce(url: string, body: string, timeoutMs: number): Promise<AlertDelivery> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' })
    await res.body?.cancel().catch(() => {})
    return res.ok ? { url, status: res.status } : { url, status: res.status, error: `HTTP ${res.status}` }
  } catch (error) {
    const e = error as Error & { cause?: { message?: string } }
    return { url, error: e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.message ?? e.message) }
  }
}

/** POSTs the alert as JSON (its wire form); one retry when the first attempt fails. */
export async function deliverWebhook(url: string, alert: MonitorAlert, timeoutMs = WEBHOOK_TIMEOUT_MS): Promise<AlertDelivery> {
  const body = JSON.stringify(monitorAlertToWire(alert))
  const first = await postOnce(url, body, timeoutMs)
  if (first.error === undefined) return first
  return postOnce(url, body, timeoutMs)
}

/** Runs argv (no shell) with the alert's JSON in KEEL_ALERT; the exit code and the output's tail. */
export function runCommand(argv: readonly string[], alert: MonitorAlert, timeoutMs = COMMAND_TIMEOUT_MS): Promise<AlertCommandResult> {
  return new Promise((resolve) => {
    let tail = ''
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL)
    }
    let child
    try {
      child = spawn(argv[0]!, argv.slice(1), {
        shell: false,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, KEEL_ALERT: JSON.stringify(monitorAlertToWire(alert)) },
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
      })
    } catch (error) {
      resolve({ argv: [...argv], exitCode: null, outputTail: '', error: (error as Error).message })
      return
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    let failed: string | undefined
    child.on('error', (error) => (failed = error.message))
    child.on('close', (code, signal) => {
      const error = failed ?? (signal ? `killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs} ms)` : ''}` : undefined)
      resolve({ argv: [...argv], exitCode: code, outputTail: tail, ...(error !== undefined && { error }) })
    })
  })
}
