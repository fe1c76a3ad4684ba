/** A toolbar's search by name: the query is applied (to the URL) on submit, not on every key. */
import { useState } from 'react'

export function SearchForm({
  id,
  label,
  value,
  onSearch,
}: {
  id: string
  /** What is searched, for screen readers ("Search experiments by name"). */
  label: string
  /** The query applied now: the box starts with it. */
  value: string
  onSearch: (query: string) => void
}) {
  const [draft, setDraft] = useState(value)
  return (
    <search>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          onSearch(draft)
        }}
      >
        <label className="sr-only" htmlFor={id}>
          {label}
        </label>
        <input
          id={id}
          type="search"
          placeholder="Search by name"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Search</button>
      </form>
    </search>
  )
}
