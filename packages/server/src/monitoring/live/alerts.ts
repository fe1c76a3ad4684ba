/**
 * Alert rules: which fire for a window (drift share, a column's drift, prediction drift, data
 * quality, estimated performance) or for its realized performance once labels allow, and the
 * delivery of a fired alert: a JSON POST to a webhook the operator's address policy allows (a
 * timeout and one retry at once), and the operator's named action run with the alert as JSON in
 * `KEEL_ALERT`; each delivery is a job of the work queue, retried with backoff
 * (alert-delivery-jobs.ts). A rule stored with a `command` before actions existed runs nothing any more.
 */
import { randomUUID } from 'node:crypto'
import {
  monitorAlertToWire,
  type AlertActionResult,
  type AlertDelivery,
  type AlertRule,
  type Monitor,
  type MonitorAlert,
  type MonitorPerformance,
  type MonitorWindow,
} from '@keel/contracts'
import type { ActionRegistry } from '../../actions/action-registry.js'
import type { AddressPolicy } from '../../webhooks/address-policy.js'
import { postJson } from '../../webhooks/post-json.js'
import type { Resolver } from '../../webhooks/webhook-target.js'

export const WEBHOOK_TIMEOUT_MS = 5_000
/** The action name an alert records for a rule stored with a `command` (before actions). */
export const LEGACY_COMMAND = '(command)'
export const LEGACY_COMMAND_NOT_RUN =
  "not run: this rule was stored with a command; commands are now defined by the operator in the server's configuration (keel server --config <file>, actions.<name>.command) and a rule names one with 'action': update the rule"

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
        ? {
            message: `${w.driftedColumns.length} of ${w.columns.length} columns drifted (share ${fmt(w.driftShare)} > ${fmt(rule.threshold)}): ${w.driftedColumns.join(', ')}`,
            value: w.driftShare,
            threshold: rule.threshold,
          }
        : undefined
    case 'column_drift': {
      const c = w.columns.find((x) => x.column === rule.column)
      return c?.drifted
        ? {
            message: `column '${c.column}' drifted (${c.test} score ${fmt(c.score ?? Number.NaN)}, threshold ${fmt(c.threshold ?? 0)})`,
            value: c.score ?? 0,
            threshold: c.threshold ?? rule.threshold,
          }
        : undefined
    }
    case 'prediction_drift': {
      const p = w.predictionDrift
      return p?.drifted
        ? {
            message: `predictions drifted (${p.test} score ${fmt(p.score ?? Number.NaN)}, threshold ${fmt(p.threshold ?? 0)})`,
            value: p.score ?? 0,
            threshold: p.threshold ?? rule.threshold,
          }
        : undefined
    }
    case 'quality': {
      const shares = Object.entries(w.quality.nullShares).filter(
        ([c]) => rule.column === undefined || c === rule.column,
      )
      const worst = shares.sort((a, b) => b[1] - a[1])[0]
      return worst && worst[1] > rule.threshold
        ? {
            message: `column '${worst[0]}' is ${fmt(worst[1] * 100)}% missing (> ${fmt(rule.threshold * 100)}%)`,
            value: worst[1],
            threshold: rule.threshold,
          }
        : undefined
    }
    case 'estimated_performance': {
      const e = w.estimatedPerformance
      const metric = rule.metric ?? 'accuracy'
      const value = e?.metrics[metric]
      if (e === undefined || value === undefined) return undefined
      if (value < rule.threshold)
        return {
          message: `estimated ${metric} (${e.method}) ${fmt(value)} < ${fmt(rule.threshold)}`,
          value,
          threshold: rule.threshold,
        }
      const lower = e.lower?.[metric]
      const upper = e.upper?.[metric]
      if (lower !== undefined && value < lower)
        return {
          message: `estimated ${metric} (${e.method}) ${fmt(value)} below its band [${fmt(lower)}, ${fmt(upper ?? 1)}]`,
          value,
          threshold: lower,
        }
      if (upper !== undefined && value > upper)
        return {
          message: `estimated ${metric} (${e.method}) ${fmt(value)} above its band [${fmt(lower ?? 0)}, ${fmt(upper)}]`,
          value,
          threshold: upper,
        }
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
    ? {
        message: `${metric} ${fmt(value)} ${lowerIsBetter(metric) ? '>' : '<'} ${fmt(rule.threshold)} on ${p.labelledRows} labelled rows`,
        value,
        threshold: rule.threshold,
      }
    : undefined
}

/** A rule as stored before actions: it may still hold a `command`. */
const legacyCommand = (rule: AlertRule) => (rule as { readonly command?: unknown }).command !== undefined

export function newAlert(m: Monitor, rule: AlertRule, windowId: number, firing: Firing, now: number): MonitorAlert {
  const action: AlertActionResult | undefined =
    rule.action !== undefined
      ? { name: rule.action, exitCode: null, outputTail: '' }
      : legacyCommand(rule)
        ? { name: LEGACY_COMMAND, exitCode: null, outputTail: '', error: LEGACY_COMMAND_NOT_RUN }
        : undefined
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
    ...(action && { action }),
  }
}

/** An alert as read: one stored with a command's result (before actions) shows it as an action's. */
export function alertAsRead(alert: MonitorAlert): MonitorAlert {
  const { command, ...rest } = alert as MonitorAlert & {
    command?: { exitCode: number | null; outputTail?: string; error?: string }
  }
  if (command === undefined || rest.action !== undefined) return rest
  return {
    ...rest,
    action: {
      name: LEGACY_COMMAND,
      exitCode: command.exitCode,
      outputTail: command.outputTail ?? '',
      ...(command.error !== undefined && { error: command.error }),
    },
  }
}

export interface WebhookOptions {
  readonly policy: AddressPolicy
  readonly timeoutMs?: number
  readonly resolve?: Resolver
}

/** POSTs the alert as JSON (its wire form); one retry when the first attempt fails (not when the target is refused). */
export async function deliverWebhook(url: string, alert: MonitorAlert, o: WebhookOptions): Promise<AlertDelivery> {
  const body = JSON.stringify(monitorAlertToWire(alert))
  const post = {
    policy: o.policy,
    timeoutMs: o.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
    ...(o.resolve && { resolve: o.resolve }),
  }
  let result = await postJson(url, body, post)
  if (result.error !== undefined && !result.refused) result = await postJson(url, body, post)
  return {
    url,
    ...(result.status !== undefined && { status: result.status }),
    ...(result.error !== undefined && { error: result.error }),
  }
}

/** Runs the alert's action by name with the alert's JSON in KEEL_ALERT: its exit code and the output's tail. */
export async function runAlertAction(
  actions: ActionRegistry,
  name: string,
  alert: MonitorAlert,
): Promise<AlertActionResult> {
  const run = actions.run(name, { KEEL_ALERT: JSON.stringify(monitorAlertToWire(alert)) })
  if (!run)
    return {
      name,
      exitCode: null,
      outputTail: '',
      error: `not run: the server's configuration defines no action '${name}' (${actions.describe()})`,
    }
  const { exitCode, outputTail, error } = await run
  return { name, exitCode, outputTail, ...(error !== undefined && { error }) }
}
