/** The pure parts of comparing runs: which values differ, which metric value is best (no DOM). */

export interface ComparedRun {
  readonly id: string
  readonly name: string
  readonly params: Readonly<Record<string, string>>
  readonly metrics: Readonly<Record<string, number>>
  readonly tags: Readonly<Record<string, string>>
}

export type RowKind = 'param' | 'metric' | 'tag'

export interface DiffRow {
  readonly kind: RowKind
  readonly key: string
  /** One per run; undefined where the run has no such key. */
  readonly values: readonly (string | number | undefined)[]
  readonly differs: boolean
  /** Indices of the runs holding the best value (metrics only). */
  readonly best: readonly number[]
}

/** Whether smaller is better for a metric, guessed from its name (loss, error, …); else larger. */
export function lowerIsBetter(key: string): boolean {
  return /(loss|err|error|mse|mae|rmse|mape|perplexity|wer|cer|latency|time|duration|regret|cost|distance)/i.test(key)
}

function sameValues(values: readonly (string | number | undefined)[]): boolean {
  const first = values[0]
  return values.every((v) =>
    typeof v === 'number' && typeof first === 'number'
      ? v === first || (Number.isNaN(v) && Number.isNaN(first))
      : v === first,
  )
}

export function bestOf(values: readonly (number | undefined)[], lower: boolean): number[] {
  let best: number | undefined
  for (const v of values) {
    if (v === undefined || !Number.isFinite(v)) continue
    if (best === undefined || (lower ? v < best : v > best)) best = v
  }
  if (best === undefined) return []
  // a tie everywhere is no "best"
  const at = values.flatMap((v, i) => (v === best ? [i] : []))
  return at.length === values.length && values.length > 1 ? [] : at
}

export function diffRows(runs: readonly ComparedRun[]): DiffRow[] {
  const keys = (pick: (r: ComparedRun) => Readonly<Record<string, unknown>>) =>
    [...new Set(runs.flatMap((r) => Object.keys(pick(r))))].sort()
  const rows: DiffRow[] = []
  for (const key of keys((r) => r.params)) {
    const values = runs.map((r) => r.params[key])
    rows.push({ kind: 'param', key, values, differs: !sameValues(values), best: [] })
  }
  for (const key of keys((r) => r.metrics)) {
    const values = runs.map((r) => r.metrics[key])
    rows.push({ kind: 'metric', key, values, differs: !sameValues(values), best: bestOf(values, lowerIsBetter(key)) })
  }
  for (const key of keys((r) => r.tags)) {
    const values = runs.map((r) => r.tags[key])
    rows.push({ kind: 'tag', key, values, differs: !sameValues(values), best: [] })
  }
  return rows
}

/** The params whose values are not the same in every run (the axes worth plotting). */
export function differingParams(runs: readonly ComparedRun[]): string[] {
  return diffRows(runs)
    .filter((r) => r.kind === 'param' && r.differs)
    .map((r) => r.key)
}

/** An axis of a plot: `param:lr` or `metric:val_loss`. */
export interface AxisRef {
  readonly kind: 'param' | 'metric'
  readonly key: string
}

export function parseAxis(ref: string | null): AxisRef | undefined {
  if (!ref) return undefined
  const at = ref.indexOf(':')
  const kind = ref.slice(0, at)
  if (at < 0 || (kind !== 'param' && kind !== 'metric')) return undefined
  return { kind, key: ref.slice(at + 1) }
}

export const axisRef = (a: AxisRef) => `${a.kind}:${a.key}`

export function axisValue(run: ComparedRun, axis: AxisRef): string | number | undefined {
  return axis.kind === 'metric' ? run.metrics[axis.key] : run.params[axis.key]
}
