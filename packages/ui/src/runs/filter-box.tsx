/** The runs filter, in MLflow's filter language; the server's parse error is shown under it, pointing at the problem. */
import { type FormEvent, useEffect, useState } from 'react'
import type { ApiError } from '../api/client'

export function FilterBox({
  value,
  error,
  onApply,
}: {
  value: string
  error: ApiError | undefined
  onApply: (filter: string) => void
}) {
  const [draft, setDraft] = useState(value)
  useEffect(() => setDraft(value), [value])
  const submit = (e: FormEvent) => {
    e.preventDefault()
    onApply(draft.trim())
  }
  return (
    <search className="runs-filter-search">
      <form className="runs-filter" onSubmit={submit}>
        <label className="sr-only" htmlFor="runs-filter">
          Filter runs
        </label>
        <div className="runs-filter-row">
          <input
            id="runs-filter"
            type="search"
            placeholder="metrics.accuracy > 0.9 and params.lr = '0.01'"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'runs-filter-error' : 'runs-filter-help'}
            spellCheck={false}
          />
          <button type="submit">Filter</button>
          {value && (
            <button type="button" onClick={() => onApply('')}>
              Clear
            </button>
          )}
        </div>
        {error ? (
          <pre className="filter-error" id="runs-filter-error" role="alert">
            {error.message}
          </pre>
        ) : (
          <span className="filter-help" id="runs-filter-help">
            MLflow's filter language: <code>metrics.</code>, <code>params.</code>, <code>tags.</code>,{' '}
            <code>attributes.</code>; <code>and</code>, <code>or</code>, <code>like</code>, <code>in</code>.
          </span>
        )}
      </form>
    </search>
  )
}
