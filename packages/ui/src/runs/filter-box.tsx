/**
 * A search filter in MLflow's filter language (the runs', and with its own id, label, example and
 * help, the traces'); the server's parse error is shown under it, pointing at the problem.
 */
import { type FormEvent, type ReactNode, useEffect, useState } from 'react'
import type { ApiError } from '../api/client'

const RUNS_HELP = (
  <>
    MLflow's filter language: <code>metrics.</code>, <code>params.</code>, <code>tags.</code>, <code>attributes.</code>;{' '}
    <code>and</code>, <code>or</code>, <code>like</code>, <code>in</code>.
  </>
)

export function FilterBox({
  value,
  error,
  onApply,
  id = 'runs-filter',
  label = 'Filter runs',
  placeholder = "metrics.accuracy > 0.9 and params.lr = '0.01'",
  help = RUNS_HELP,
}: {
  value: string
  error: ApiError | undefined
  onApply: (filter: string) => void
  /** The input's id (the error's and the help's ids are made from it). */
  id?: string
  label?: string
  placeholder?: string
  help?: ReactNode
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
        <label className="sr-only" htmlFor={id}>
          {label}
        </label>
        <div className="runs-filter-row">
          <input
            id={id}
            type="search"
            placeholder={placeholder}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : `${id}-help`}
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
          <pre className="filter-error" id={`${id}-error`} role="alert">
            {error.message}
          </pre>
        ) : (
          <span className="filter-help" id={`${id}-help`}>
            {help}
          </span>
        )}
      </form>
    </search>
  )
}
