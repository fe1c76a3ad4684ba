/** Picks the table's columns among the experiment's keys (hundreds of them: searchable, capped lists). */
import { useEffect, useId, useMemo, useRef, useState } from 'react'
import { ATTRIBUTE_COLUMNS, ENTITY_LABEL } from './columns'
import { type ColumnId, type Entity, columnKey } from './view-state'
import { focusWhenShown } from '../components/focus-when-shown'

export interface ExperimentKeys {
  readonly params: readonly string[]
  readonly metrics: readonly string[]
  readonly tags: readonly string[]
}

const SHOWN_PER_KIND = 150

export function ColumnPicker({
  keys,
  columns,
  onChange,
  onReset,
}: {
  keys: ExperimentKeys | undefined
  columns: readonly ColumnId[]
  onChange: (next: ColumnId[]) => void
  onReset: () => void
}) {
  const [open, setOpen] = useState(false)
  const [q, setQ] = useState('')
  const panelId = useId()
  const root = useRef<HTMLDivElement>(null)
  const chosen = useMemo(() => new Set(columns.map(columnKey)), [columns])

  useEffect(() => {
    if (!open) return
    const close = (e: Event) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !root.current?.contains(e.target as Node)) setOpen(false)
    }
    document.addEventListener('mousedown', close)
    document.addEventListener('keydown', close)
    return () => {
      document.removeEventListener('mousedown', close)
      document.removeEventListener('keydown', close)
    }
  }, [open])

  const groups: { entity: Entity; keys: readonly string[] }[] = [
    { entity: 'attributes', keys: ATTRIBUTE_COLUMNS.map((a) => a.key) },
    { entity: 'metrics', keys: keys?.metrics ?? [] },
    { entity: 'params', keys: keys?.params ?? [] },
    { entity: 'tags', keys: (keys?.tags ?? []).filter((k) => !k.startsWith('mlflow.')) },
  ]
  const needle = q.trim().toLowerCase()
  const toggle = (id: ColumnId) =>
    onChange(chosen.has(columnKey(id)) ? columns.filter((c) => columnKey(c) !== columnKey(id)) : [...columns, id])

  return (
    <div className="column-picker" ref={root}>
      <button type="button" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen((o) => !o)}>
        Columns ({columns.length})
      </button>
      {open && (
        <div className="column-panel" id={panelId} role="dialog" aria-label="Choose columns">
          <div className="column-panel-head">
            <label className="sr-only" htmlFor={`${panelId}-q`}>
              Search columns
            </label>
            <input
              id={`${panelId}-q`}
              type="search"
              placeholder="Search params, metrics, tags"
              value={q}
              onChange={(e) => setQ(e.target.value)}
              ref={focusWhenShown}
            />
            <button type="button" onClick={onReset}>
              Defaults
            </button>
          </div>
          {!keys && <div className="muted">Loading the experiment's keys…</div>}
          <div className="column-panel-list">
            {groups.map(({ entity, keys: all }) => {
              const matching = needle ? all.filter((k) => k.toLowerCase().includes(needle)) : all
              if (matching.length === 0) return null
              const shown = matching.slice(0, SHOWN_PER_KIND)
              return (
                <fieldset key={entity}>
                  <legend>
                    {ENTITY_LABEL[entity]}s <span className="muted">({matching.length})</span>
                  </legend>
                  {shown.map((key) => {
                    const id = { entity, key }
                    const label =
                      entity === 'attributes' ? (ATTRIBUTE_COLUMNS.find((a) => a.key === key)?.label ?? key) : key
                    return (
                      <label key={key} className="column-option" title={`${entity}.${key}`}>
                        <input
                          type="checkbox"
                          checked={chosen.has(columnKey(id))}
                          onChange={() => toggle(id)}
                          aria-label={`${ENTITY_LABEL[entity]} ${label}`}
                        />
                        <span>{label}</span>
                      </label>
                    )
                  })}
                  {matching.length > shown.length && (
                    <div className="muted column-more">{matching.length - shown.length} more: refine the search</div>
                  )}
                </fieldset>
              )
            })}
          </div>
        </div>
      )}
    </div>
  )
}
