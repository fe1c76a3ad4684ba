import type { Run } from '@keel/contracts'
import { paramValue } from './columns'
import type { Item } from './runs-table'

/** The rows of the table: the runs in the server's order, or under one header per value of a param. */
export function groupRuns(runs: readonly Run[], group: string | undefined): { items: Item[]; ordered: readonly Run[] } {
  if (!group) return { items: runs.map((run, index) => ({ kind: 'run', run, index })), ordered: runs }
  const buckets = new Map<string, Run[]>()
  for (const run of runs) {
    const value = paramValue(run, group) ?? '\u0000'
    const bucket = buckets.get(value)
    if (bucket) bucket.push(run)
    else buckets.set(value, [run])
  }
  const values = [...buckets.keys()].sort((a, b) =>
    a === '\u0000' ? 1 : b === '\u0000' ? -1 : a.localeCompare(b, undefined, { numeric: true }),
  )
  const items: Item[] = []
  const ordered: Run[] = []
  for (const value of values) {
    const bucket = buckets.get(value)!
    items.push({
      kind: 'group',
      value,
      count: bucket.length,
      label: value === '\u0000' ? `${group} not set` : `${group} = ${value}`,
    })
    for (const run of bucket) items.push({ kind: 'run', run, index: ordered.push(run) - 1 })
  }
  return { items, ordered }
}
