/**
 * What a monitor's settings must be. Errors are INVALID_PARAMETER_VALUE naming the field as it
 * travels (`alert_rules[2].threshold`). An alert rule names the operator's action (never a
 * program) and a webhook whose target the operator's address policy allows.
 */
import {
  ALERT_RULE_KINDS,
  KeelError,
  LIMITS,
  PERFORMANCE_METRICS,
  type AlertRule,
  type AlertRuleKind,
  type MonitorReference,
  type MonitorWindowSpec,
  type PerformanceMetric,
} from '@keel/contracts'
import { isStatTestName } from '@keel/monitoring'
import type { ActionRegistry } from '../../actions/action-registry.js'
import type { AddressPolicy } from '../../webhooks/address-policy.js'
import { checkTarget, systemResolver, type Resolver } from '../../webhooks/webhook-target.js'

export const invalid = (field: string, problem: string) =>
  KeelError.invalid(`Invalid value for parameter '${field}': ${problem}`)

/** Most input rows of a count window; most rows a time window's statistics sample. */
export const WINDOW_ROW_CAP = 100_000
export const MAX_RULES = 50
export const DEFAULT_LATENESS_MS = 5_000

export function name(value: string, field: string, max: number = LIMITS.predictionNameLength): string {
  if (value.length === 0) throw invalid(field, 'it must not be empty')
  if (value.length > max) throw invalid(field, `it is ${value.length} characters long; the limit is ${max}`)
  return value
}

export interface ReferenceInput {
  readonly uri?: string | undefined
  readonly log?: { readonly start_time: number; readonly end_time: number } | undefined
  readonly model_version?: { readonly name: string; readonly version: string } | undefined
}

export function reference(r: ReferenceInput): MonitorReference {
  const given = (['uri', 'log', 'model_version'] as const).filter((k) => r[k] !== undefined)
  if (given.length !== 1) {
    throw invalid(
      'reference',
      `give exactly one of 'uri' (a CSV or Parquet artifact), 'log' ({start_time, end_time}) or 'model_version' ({name, version}), not ${given.length === 0 ? 'none' : given.join(' and ')}`,
    )
  }
  if (r.uri !== undefined) return { kind: 'uri', uri: name(r.uri, 'reference.uri', LIMITS.predictionTextLength) }
  if (r.log) {
    const { start_time: start, end_time: end } = r.log
    if (!Number.isSafeInteger(start) || start < 0)
      throw invalid('reference.log.start_time', 'expected epoch milliseconds')
    if (!Number.isSafeInteger(end) || end <= start)
      throw invalid('reference.log.end_time', `expected epoch milliseconds after start_time ${start}`)
    return { kind: 'log', startTime: start, endTime: end }
  }
  const mv = r.model_version!
  return {
    kind: 'modelVersion',
    name: name(mv.name, 'reference.model_version.name'),
    version: name(mv.version, 'reference.model_version.version'),
  }
}

export function windowSpec(w: {
  readonly count?: number | undefined
  readonly seconds?: number | undefined
}): MonitorWindowSpec {
  if ((w.count === undefined) === (w.seconds === undefined))
    throw invalid('window', "give exactly one of 'count' (input rows) or 'seconds'")
  if (w.count !== undefined) {
    if (!Number.isSafeInteger(w.count) || w.count < 1 || w.count > WINDOW_ROW_CAP)
      throw invalid('window.count', `${w.count} is not between 1 and ${WINDOW_ROW_CAP}`)
    return { kind: 'count', count: w.count }
  }
  const s = w.seconds!
  if (!Number.isFinite(s) || s < 0.001 || s > 366 * 86400)
    throw invalid('window.seconds', `${s} is not between 0.001 and ${366 * 86400}`)
  return { kind: 'time', seconds: s }
}

export function tests(t: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [c, test] of Object.entries(t ?? {})) {
    if (!isStatTestName(test)) throw invalid(`tests.${c}`, `unknown drift test '${test}'`)
    out[c] = test
  }
  return out
}

export function thresholds(t: Readonly<Record<string, number>> | undefined): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [c, x] of Object.entries(t ?? {})) {
    if (!Number.isFinite(x) || x < 0) throw invalid(`thresholds.${c}`, `${x} is not a finite number >= 0`)
    out[c] = x
  }
  return out
}

export function driftShare(x: number | undefined): number {
  if (x === undefined) return 0.5
  if (!(x >= 0 && x <= 1)) throw invalid('drift_share', `${x} is not between 0 and 1`)
  return x
}

export function lateness(seconds: number | undefined): number {
  if (seconds === undefined) return DEFAULT_LATENESS_MS
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 86400)
    throw invalid('lateness_seconds', `${seconds} is not between 0 and 86400`)
  return Math.round(seconds * 1000)
}

export interface RuleInput {
  readonly rule_id?: string | undefined
  readonly kind: AlertRuleKind
  readonly column?: string | undefined
  readonly metric?: PerformanceMetric | undefined
  readonly threshold?: number | undefined
  readonly min_labelled_rows?: number | undefined
  readonly webhook_url?: string | undefined
  readonly action?: string | undefined
  /** refused: programs are the operator's (the wire schema refuses it too) */
  readonly command?: unknown | undefined
}

/** What rules are checked against: the operator's actions and webhook policy. */
export interface RuleContext {
  readonly actions: ActionRegistry
  readonly webhooks: AddressPolicy
  readonly resolve?: Resolver | undefined
}

/** How long a webhook's host name may take to resolve when a rule is checked (unresolved: checked again at delivery). */
const RESOLVE_TIMEOUT_MS = 3_000

async function webhookUrl(url: string, at: string, ruleId: string, ctx: RuleContext): Promise<void> {
  const resolve = ctx.resolve ?? systemResolver
  let timer: NodeJS.Timeout | undefined
  const slow = new Promise<readonly never[]>(
    (_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), RESOLVE_TIMEOUT_MS)),
  )
  const bounded: Resolver = (host) => Promise.race([resolve(host), slow])
  try {
    const check = await checkTarget(url, ctx.webhooks, bounded)
    // A name that does not resolve now is not refused: delivery checks it again.
    if (!check.ok && !check.unresolved) throw invalid(`${at}.webhook_url`, `rule '${ruleId}': ${check.reason}`)
  } finally {
    clearTimeout(timer)
  }
}

export async function alertRules(rules: readonly RuleInput[] | undefined, ctx: RuleContext): Promise<AlertRule[]> {
  if ((rules?.length ?? 0) > MAX_RULES)
    throw invalid('alert_rules', `${rules!.length} rules; the limit is ${MAX_RULES}`)
  const ids = new Set<string>()
  const checked = (rules ?? []).map((r, i) => {
    const at = `alert_rules[${i}]`
    if (!ALERT_RULE_KINDS.includes(r.kind))
      throw invalid(`${at}.kind`, `expected one of ${ALERT_RULE_KINDS.join(', ')}`)
    const ruleId = name(r.rule_id ?? `rule-${i + 1}`, `${at}.rule_id`)
    if (ids.has(ruleId)) throw invalid(`${at}.rule_id`, `'${ruleId}' is given twice`)
    ids.add(ruleId)
    if (r.kind === 'column_drift' && r.column === undefined)
      throw invalid(`${at}.column`, `a ${r.kind} rule names its column`)
    if (r.column !== undefined) name(r.column, `${at}.column`)
    const needsThreshold = r.kind !== 'column_drift' && r.kind !== 'prediction_drift'
    if (needsThreshold && r.threshold === undefined)
      throw invalid(`${at}.threshold`, `a ${r.kind} rule needs a threshold`)
    const threshold = r.threshold ?? 0
    if (!Number.isFinite(threshold)) throw invalid(`${at}.threshold`, 'expected a finite number')
    if ((r.kind === 'drift_share' || r.kind === 'quality') && (threshold < 0 || threshold > 1))
      throw invalid(`${at}.threshold`, `a share: ${threshold} is not between 0 and 1`)
    if (r.metric !== undefined && !PERFORMANCE_METRICS.includes(r.metric))
      throw invalid(`${at}.metric`, `expected one of ${PERFORMANCE_METRICS.join(', ')}`)
    if (r.min_labelled_rows !== undefined && (!Number.isSafeInteger(r.min_labelled_rows) || r.min_labelled_rows < 1))
      throw invalid(`${at}.min_labelled_rows`, 'expected a positive integer')
    if (r.command !== undefined) {
      throw invalid(
        `${at}.command`,
        `rule '${ruleId}': commands are now defined by the operator in the server's configuration (keel server --config <file>, actions.<name>.command); name one with 'action' (${ctx.actions.describe()})`,
      )
    }
    if (r.action !== undefined && !ctx.actions.get(r.action)) {
      throw invalid(
        `${at}.action`,
        `rule '${ruleId}': no action '${r.action.slice(0, 100)}' is defined by the operator; ${ctx.actions.describe()}`,
      )
    }
    if (r.webhook_url !== undefined && r.webhook_url.length > LIMITS.predictionTextLength)
      throw invalid(`${at}.webhook_url`, `rule '${ruleId}': longer than ${LIMITS.predictionTextLength} characters`)
    const rule: AlertRule = {
      ruleId,
      kind: r.kind,
      ...(r.column !== undefined && { column: r.column }),
      ...(r.metric !== undefined && { metric: r.metric }),
      threshold,
      ...(r.min_labelled_rows !== undefined && { minLabelledRows: r.min_labelled_rows }),
      ...(r.webhook_url !== undefined && { webhookUrl: r.webhook_url }),
      ...(r.action !== undefined && { action: r.action }),
    }
    return { rule, at }
  })
  // Targets checked together (each name resolved within the bound); the first refused rule is reported.
  const targets = await Promise.allSettled(
    checked.map(({ rule, at }) =>
      rule.webhookUrl !== undefined ? webhookUrl(rule.webhookUrl, at, rule.ruleId, ctx) : undefined,
    ),
  )
  const refused = targets.find((t): t is PromiseRejectedResult => t.status === 'rejected')
  if (refused) throw refused.reason
  return checked.map((c) => c.rule)
}
