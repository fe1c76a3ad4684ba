/**
 * Live monitors (camelCase entities), shared by the server's `monitoring/live` domain, the SDK and
 * the UI: a monitor reads a deployment's prediction log in windows (by count or by time), compares
 * each window's inputs and predictions with a reference, keeps the results as a time series and
 * fires alert rules. The wire shapes are in `wire/keel-monitors-api.ts`.
 */

/** What a window is compared with. */
export type MonitorReference =
  /** a CSV or Parquet artifact of this server (`mlflow-artifacts:/…`, `runs:/<run_id>/<path>`) */
  | { readonly kind: 'uri'; readonly uri: string }
  /** a time range of the deployment's own log: `startTime <= timestamp < endTime` */
  | { readonly kind: 'log'; readonly startTime: number; readonly endTime: number }
  /** the training data recorded with a registered model version (its lineage's dataset inputs) */
  | {
      readonly kind: 'modelVersion'
      readonly name: string
      readonly version: string
      readonly uri?: string | undefined
    }

/** How the log is cut: `count` input rows per window (whole requests), or fixed `seconds` of time. */
export type MonitorWindowSpec =
  | { readonly kind: 'count'; readonly count: number }
  | { readonly kind: 'time'; readonly seconds: number }

export const MONITOR_TASKS = ['classification', 'regression'] as const
export type MonitorTask = (typeof MONITOR_TASKS)[number]

export const MONITOR_STATUSES = ['active', 'paused'] as const
export type MonitorStatus = (typeof MONITOR_STATUSES)[number]

export const ALERT_RULE_KINDS = [
  'drift_share',
  'column_drift',
  'prediction_drift',
  'performance',
  'estimated_performance',
  'quality',
] as const
export type AlertRuleKind = (typeof ALERT_RULE_KINDS)[number]

/** Realized metrics (from labels) and estimated ones (CBPE) a `performance` rule may name. */
export const PERFORMANCE_METRICS = ['accuracy', 'f1_macro', 'rmse', 'mae'] as const
export type PerformanceMetric = (typeof PERFORMANCE_METRICS)[number]

/**
 * An alert rule. Fires when, for a window:
 * - `drift_share`: the share of drifted columns > threshold;
 * - `column_drift`: `column` drifted (threshold unused, 0);
 * - `prediction_drift`: the prediction column drifted;
 * - `performance`: the realized `metric` (from labels) is below threshold (rmse/mae: above), once
 *   at least `minLabelledRows` rows of the window have labels;
 * - `estimated_performance`: the CBPE estimate of `metric` is below threshold;
 * - `quality`: `column`'s null share (or, without a column, any column's) > threshold.
 * The alert is posted as JSON to `webhookUrl` (a target the server's operator allows) and/or given
 * to `action`, the name of a program the operator defined in the server's configuration
 * (`keel server --config`), as JSON in its environment variable `KEEL_ALERT`: the hook for
 * retraining. A request never carries a program.
 */
export interface AlertRule {
  readonly ruleId: string
  readonly kind: AlertRuleKind
  readonly column?: string | undefined
  readonly metric?: PerformanceMetric | undefined
  readonly threshold: number
  readonly minLabelledRows?: number | undefined
  readonly webhookUrl?: string | undefined
  /** an action defined by the operator (`keel server --config`, `actions.<name>`) */
  readonly action?: string | undefined
}

export interface Monitor {
  readonly monitorId: string
  readonly name: string
  readonly deployment: string
  readonly modelName?: string | undefined
  /** only this variant's records (default: every variant that is not a shadow) */
  readonly variant?: string | undefined
  readonly reference: MonitorReference
  readonly window: MonitorWindowSpec
  /** the input columns compared (default: the reference's, without its prediction column) */
  readonly columns?: readonly string[] | undefined
  readonly tests: Readonly<Record<string, string>>
  readonly thresholds: Readonly<Record<string, number>>
  /** dataset drift when the share of drifted columns is >= this */
  readonly driftShare: number
  readonly task?: MonitorTask | undefined
  /** the reference's column of predictions (default `prediction` when it has one) */
  readonly predictionColumn?: string | undefined
  readonly alertRules: readonly AlertRule[]
  readonly status: MonitorStatus
  /** records newer than now minus this are not windowed yet (the model server logs in batches) */
  readonly latenessMs: number
  /** windows start here (default: the end of a log reference, else the start of the log) */
  readonly startTime?: number | undefined
  readonly createdMs: number
  readonly updatedMs: number
  /** the last processed window, when there is one */
  readonly lastWindowId?: number | undefined
  readonly lastWindowEndMs?: number | undefined
  /** why the last run failed (a reference that cannot be read), when it did */
  readonly lastError?: string | undefined
}

/** One column's drift in a window. `error` instead of a verdict when no test could run. */
export interface MonitorColumnDrift {
  readonly column: string
  readonly featureType?: 'num' | 'cat' | undefined
  readonly test?: string | undefined
  readonly statistic?: number | undefined
  readonly score?: number | undefined
  readonly threshold?: number | undefined
  readonly drifted: boolean
  readonly error?: string | undefined
}

export interface MonitorQualityFinding {
  readonly check: string
  readonly column: string
  readonly severity: 'error' | 'warning'
  readonly message: string
  readonly value?: number | undefined
}

export interface MonitorWindowQuality {
  readonly findings: readonly MonitorQualityFinding[]
  /** each compared column's share of missing values in the window */
  readonly nullShares: Readonly<Record<string, number>>
}

/** Reference against current, bounded (the drift report's histograms). */
export type MonitorHistogram =
  | {
      readonly kind: 'numeric'
      readonly edges: readonly number[]
      readonly reference: readonly number[]
      readonly current: readonly number[]
    }
  | {
      readonly kind: 'categorical'
      readonly categories: readonly string[]
      readonly reference: readonly number[]
      readonly current: readonly number[]
      readonly referenceOther: number
      readonly currentOther: number
    }

/** A label-free estimate of a window's performance (CBPE) with its band, when one is available. */
export interface EstimatedPerformance {
  readonly method: string
  readonly metrics: Readonly<Record<string, number>>
  readonly lower?: Readonly<Record<string, number>> | undefined
  readonly upper?: Readonly<Record<string, number>> | undefined
}

/** One processed window of a monitor. Windows are numbered 1, 2, … in log order. */
export interface MonitorWindow {
  readonly monitorId: string
  readonly windowId: number
  /** `startMs <= timestamp < endMs` (a count window: its first record's time to its last's + 1) */
  readonly startMs: number
  readonly endMs: number
  /** input rows in the window */
  readonly rows: number
  /** rows the statistics were computed on (a uniform sample when the window is larger than the cap) */
  readonly sampledRows: number
  readonly datasetDrift: boolean
  /** share of compared columns that drifted */
  readonly driftShare: number
  readonly driftedColumns: readonly string[]
  readonly columns: readonly MonitorColumnDrift[]
  readonly predictionDrift?: MonitorColumnDrift | undefined
  readonly quality: MonitorWindowQuality
  readonly histograms: Readonly<Record<string, MonitorHistogram>>
  readonly estimatedPerformance?: EstimatedPerformance | undefined
  readonly createdMs: number
}

/** Realized performance of a window, computed when read (labels arrive late). */
export interface MonitorPerformance {
  readonly windowId: number
  readonly startMs: number
  readonly endMs: number
  readonly rows: number
  /** rows of single-row requests whose label was posted (a label belongs to a request) */
  readonly labelledRows: number
  /** accuracy and f1_macro (classification) or rmse and mae (regression); absent without labels */
  readonly metrics: { readonly [K in PerformanceMetric]?: number | undefined }
  readonly estimated?: EstimatedPerformance | undefined
}

export interface AlertDelivery {
  readonly url: string
  /** the HTTP status of the last attempt, absent when none was answered */
  readonly status?: number | undefined
  readonly error?: string | undefined
}

/** What an alert's action did. Pending while `exitCode` is null without an `error`. */
export interface AlertActionResult {
  /** the operator's action (`(command)` for a rule stored with a command before actions) */
  readonly name: string
  /** null while it runs, or when it was killed (timeout), could not start or was not run */
  readonly exitCode: number | null
  /** the last few KB of stdout and stderr */
  readonly outputTail: string
  readonly error?: string | undefined
}

export interface MonitorAlert {
  readonly alertId: string
  readonly monitorId: string
  readonly deployment: string
  readonly ruleId: string
  readonly windowId: number
  readonly firedMs: number
  readonly kind: AlertRuleKind
  readonly message: string
  readonly value: number
  readonly threshold: number
  readonly webhook?: AlertDelivery | undefined
  readonly action?: AlertActionResult | undefined
}

/** The quantiles a column profile summary answers, by name. */
export const PROFILE_QUANTILES = { p1: 0.01, p5: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99 } as const
export type ProfileQuantileName = keyof typeof PROFILE_QUANTILES

/** One column of windows' merged profile (every row, from mergeable sketches). */
export interface MonitorColumnProfile {
  readonly column: string
  /** non-missing values */
  readonly count: number
  /** missing values (null, NaN, ±Infinity) */
  readonly nulls: number
  /** of the finite numbers, when there are any */
  readonly mean?: number | undefined
  readonly std?: number | undefined
  readonly min?: number | undefined
  readonly max?: number | undefined
  readonly quantiles?: Readonly<Record<ProfileQuantileName, number>> | undefined
  readonly distinct: number
  readonly distinctExact: boolean
  /** most frequent values, most frequent first (counts are lower bounds unless exact) */
  readonly topItems: readonly { readonly value: string; readonly count: number }[]
}

/** The windows of a range merged into one profile, and its drift against the reference's profile. */
export interface MonitorProfile {
  readonly monitorId: string
  /** windows merged, and those in range stored without a profile (before profiles were kept) */
  readonly windows: number
  readonly windowsWithoutProfile: number
  readonly rows: number
  readonly columns: readonly MonitorColumnProfile[]
  readonly drift: {
    readonly datasetDrift: boolean
    readonly driftShare: number
    readonly driftedColumns: readonly string[]
    readonly columns: readonly MonitorColumnDrift[]
  }
}
