/** Helpers of the wire converters (not part of the package's API). */
import type { KeyValue } from '../entities.js'

export const kv = (items: readonly KeyValue[]): KeyValue[] => items.map(({ key, value }) => ({ key, value }))
export const defined = <T extends object>(o: T): T => {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k]
  return o
}
