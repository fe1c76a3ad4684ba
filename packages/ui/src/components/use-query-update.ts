/**
 * A page's view state in its URL: the query string, and a change to it that replaces the current
 * history entry (so Back leaves the page rather than stepping through every filter).
 */
import { useSearchParams } from 'react-router'

/** Keys to set (an empty value removes the key), or an edit of the parameters. */
export type QueryChange = Readonly<Record<string, string>> | ((params: URLSearchParams) => void)

export function useQueryUpdate(): [URLSearchParams, (change: QueryChange) => void] {
  const [params, setParams] = useSearchParams()
  const update = (change: QueryChange) => {
    const p = new URLSearchParams(params)
    if (typeof change === 'function') change(p)
    else for (const [k, v] of Object.entries(change)) v ? p.set(k, v) : p.delete(k)
    setParams(p, { replace: true })
  }
  return [params, update]
}
