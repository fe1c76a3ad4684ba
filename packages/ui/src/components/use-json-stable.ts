/**
 * `value` as the same object for as long as its content (as JSON) is the same: a hook dependency
 * that changes when the content does, not on every render that builds a new array or object.
 * For plain data only (strings, numbers, booleans, arrays and objects of them).
 */
import { useMemo } from 'react'

export function useJsonStable<T>(value: T): T {
  const json = JSON.stringify(value)
  return useMemo(() => JSON.parse(json) as T, [json])
}
