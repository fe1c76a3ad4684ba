/** A table's head row, the same everywhere: one `<th scope="col">` per column, and an Actions column named for screen readers only. */
import type { ReactNode } from 'react'

/** A column's label, or the label and `numeric` (right-aligned, as its cells are); `key` when the label is not a string. */
export type Column = string | { readonly label: ReactNode; readonly numeric?: boolean; readonly key?: string }

export function ColumnHeads({
  columns,
  actions = false,
}: {
  /** `false` leaves a column out (one shown on a condition). */
  columns: readonly (Column | false)[]
  /** A last column for the rows' buttons. */
  actions?: boolean
}) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          c === false ? null : typeof c === 'string' ? (
            <th key={c} scope="col">
              {c}
            </th>
          ) : (
            <th key={c.key ?? String(c.label)} scope="col" className={c.numeric ? 'num' : undefined}>
              {c.label}
            </th>
          ),
        )}
        {actions && (
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  )
}
