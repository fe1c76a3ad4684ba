/** What each column of the runs table shows, how wide it is and whether the server can sort on it. */
import type { Run } from '@keel/contracts'
import { formatDuration, formatNumber, formatTime } from '../format'
import type { ColumnId, Entity } from './view-state'

export interface ColumnDef {
  readonly id: ColumnId
  readonly label: string
  readonly width: number
  readonly numeric: boolean
  /** Attributes the server orders by; metrics, params and tags always. */
  readonly sortable: boolean
  text(run: Run): string
  title?(run: Run): string
}

/** The attribute columns (run name is always shown, first). */
export const ATTRIBUTE_COLUMNS: readonly { key: string; label: string; sortable: boolean }[] = [
  { key: 'status', label: 'Status', sortable: true },
  { key: 'start_time', label: 'Started', sortable: true },
  { key: 'duration', label: 'Duration', sortable: false },
  { key: 'end_time', label: 'Ended', sortable: true },
  { key: 'user_id', label: 'User', sortable: true },
  { key: 'run_id', label: 'Run ID', sortable: false },
]

/** Per-run lookup maps, built once per run object (hundreds of metric columns read them). */
interface Lookup {
  readonly metrics: Map<string, number>
  readonly params: Map<string, string>
  readonly tags: Map<string, string>
}
const lookups = new WeakMap<Run, Lookup>()

export function lookup(run: Run): Lookup {
  let l = lookups.get(run)
  if (!l) {
    l = {
      metrics: new Map(run.data.metrics.map((m) => [m.key, m.value])),
      params: new Map(run.data.params.map((p) => [p.key, p.value])),
      tags: new Map(run.data.tags.map((t) => [t.key, t.value])),
    }
    lookups.set(run, l)
  }
  return l
}

export function paramValue(run: Run, key: string): string | undefined {
  return lookup(run).params.get(key)
}

function attributeColumn(key: string): ColumnDef {
  const spec = ATTRIBUTE_COLUMNS.find((a) => a.key === key)
  const base = {
    id: { entity: 'attributes' as Entity, key },
    label: spec?.label ?? key,
    sortable: spec?.sortable ?? false,
  }
  switch (key) {
    case 'status':
      return { ...base, width: 110, numeric: false, text: (r) => r.info.status }
    case 'start_time':
      return { ...base, width: 160, numeric: false, text: (r) => formatTime(r.info.startTime) }
    case 'end_time':
      return { ...base, width: 160, numeric: false, text: (r) => formatTime(r.info.endTime) }
    case 'duration':
      return {
        ...base,
        width: 100,
        numeric: true,
        text: (r) =>
          r.info.endTime
            ? formatDuration(r.info.startTime, r.info.endTime)
            : r.info.status === 'RUNNING'
              ? 'running'
              : '',
      }
    case 'user_id':
      return { ...base, width: 130, numeric: false, text: (r) => r.info.userId }
    case 'run_id':
      return { ...base, width: 280, numeric: false, text: (r) => r.info.runId }
    default:
      return { ...base, width: 140, numeric: false, text: () => '' }
  }
}

export function columnDef(id: ColumnId): ColumnDef {
  switch (id.entity) {
    case 'attributes':
      return attributeColumn(id.key)
    case 'metrics':
      return {
        id,
        label: id.key,
        width: 120,
        numeric: true,
        sortable: true,
        text: (r) => formatNumber(lookup(r).metrics.get(id.key)),
        title: (r) => String(lookup(r).metrics.get(id.key) ?? ''),
      }
    case 'params':
    case 'tags': {
      const get = (r: Run) => (id.entity === 'params' ? lookup(r).params : lookup(r).tags).get(id.key) ?? ''
      return { id, label: id.key, width: 140, numeric: false, sortable: true, text: get, title: get }
    }
  }
}

/** Run name, status, start time, duration, then the experiment's first few metrics. */
export function defaultColumns(metricKeys: readonly string[]): ColumnId[] {
  return [
    ...['status', 'start_time', 'duration'].map((key) => ({ entity: 'attributes' as const, key })),
    ...metricKeys.slice(0, 5).map((key) => ({ entity: 'metrics' as const, key })),
  ]
}

export const ENTITY_LABEL: Record<Entity, string> = {
  attributes: 'Attribute',
  metrics: 'Metric',
  params: 'Param',
  tags: 'Tag',
}
