/**
 * Windows' mergeable profiles (@keel/monitoring's DatasetProfile): built page by page from every
 * row of a window (so it covers the rows the drift report's sample leaves out), stored with the
 * window, merged over a range and compared with the reference's profile: a day's drift from its
 * hourly windows without reading the log again. Memory and size are bounded by the sketches.
 */
import { PROFILE_QUANTILES, type Monitor, type MonitorColumnProfile, type ProfileQuantileName } from '@keel/contracts'
import {
  DatasetProfile,
  profileDrift,
  type ColumnDriftOptions,
  type DriftTable,
  type ProfileDriftResult,
  type RawValue,
  type StatTestName,
} from '@keel/monitoring'
import type { WindowRow } from './log-windows.js'
import { cell } from './cells.js'
import type { PreparedReference } from './reference.js'

/** Most frequent values answered per column. */
const TOP_ITEMS = 10

/** The columns profiled: the monitored inputs and the prediction column. */
export function profileColumns(m: Monitor, ref: PreparedReference): { inputs: string[]; prediction: string } {
  return { inputs: [...(m.columns ?? Object.keys(ref.features))], prediction: m.predictionColumn ?? 'prediction' }
}

/** Adds a page of rows to a window's profile (a missing input is a null). */
export function profileRows(
  profile: DatasetProfile,
  rows: readonly WindowRow[],
  cols: { inputs: readonly string[]; prediction: string },
): void {
  if (rows.length === 0) return
  const table: Record<string, RawValue[]> = {}
  for (const c of cols.inputs) table[c] = rows.map((r) => cell(r.input[c]))
  table[cols.prediction] = rows.map((r) => r.output)
  profile.update(table)
}

/** The reference's profile over the same columns (its predictions when it has them). */
export function referenceProfile(m: Monitor, ref: PreparedReference): DatasetProfile {
  const { inputs, prediction } = profileColumns(m, ref)
  const table: Record<string, DriftTable[string]> = {}
  for (const c of inputs) if (ref.features[c] !== undefined) table[c] = ref.features[c] as DriftTable[string]
  if (ref.predictions !== undefined) table[prediction] = ref.predictions as DriftTable[string]
  return DatasetProfile.fromTable(table)
}

/** Drift of a merged profile against the reference's, with the monitor's tests, thresholds and share. */
export function rangeDrift(
  m: Monitor,
  ref: PreparedReference,
  reference: DatasetProfile,
  current: DatasetProfile,
): ProfileDriftResult {
  const { inputs, prediction } = profileColumns(m, ref)
  const columns = [...inputs, ...(ref.predictions !== undefined ? [prediction] : [])].filter(
    (c) => current.columns.has(c) && reference.columns.has(c),
  )
  const perColumn: Record<string, ColumnDriftOptions> = {}
  for (const c of columns) {
    const test = m.tests[c] as StatTestName | undefined
    const threshold = m.thresholds[c]
    const featureType = ref.featureTypes[c]
    perColumn[c] = {
      ...(test !== undefined && { test }),
      ...(threshold !== undefined && { threshold }),
      ...(featureType !== undefined && { featureType }),
    }
  }
  return profileDrift(reference, current, { columns, perColumn, driftShare: m.driftShare })
}

/** Per column: counts, moments, quantiles, distinct estimate and top items. */
export function summarizeProfile(profile: DatasetProfile): MonitorColumnProfile[] {
  return [...profile.columns].map(([column, p]) => {
    const numbers = p.moments.n > 0
    const quantiles = {} as Record<ProfileQuantileName, number>
    if (numbers)
      for (const [name, q] of Object.entries(PROFILE_QUANTILES)) quantiles[name as ProfileQuantileName] = p.quantile(q)
    const distinct = p.distinct()
    const items = p.frequencies()?.items ?? []
    return {
      column,
      count: p.present,
      nulls: p.missing,
      ...(numbers && { mean: p.moments.mean, std: p.moments.std, min: p.moments.min, max: p.moments.max, quantiles }),
      distinct: distinct.estimate,
      distinctExact: distinct.exact,
      topItems: items.slice(0, TOP_ITEMS).map((it) => ({ value: String(it.value), count: it.estimate })),
    }
  })
}
