import { useId, useState } from 'react'
import { errorMessage } from '../api/client'

/** A text (a description) shown, and edited in place on request (unless `readOnly`: the viewer may not change it). */
export function EditableText({
  label,
  value,
  onSave,
  empty,
  readOnly = false,
}: {
  label: string
  value: string | undefined
  onSave: (text: string) => Promise<unknown>
  empty: string
  readOnly?: boolean
}) {
  const id = useId()
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState('')
  const [error, setError] = useState<string | undefined>()
  if (!editing) {
    return (
      <div className="editable">
        {value ? <p className="description">{value}</p> : <p className="muted description">{empty}</p>}
        {!readOnly && (
          <button
            type="button"
            className="link-button"
            aria-label={`Edit ${label.toLowerCase()}`}
            onClick={() => {
              setDraft(value ?? '')
              setError(undefined)
              setEditing(true)
            }}
          >
            Edit
          </button>
        )}
      </div>
    )
  }
  return (
    <form
      className="editable-form"
      onSubmit={(e) => {
        e.preventDefault()
        onSave(draft).then(
          () => setEditing(false),
          (err: unknown) => setError(errorMessage(err)),
        )
      }}
    >
      <label htmlFor={id}>{label}</label>
      <textarea id={id} rows={3} value={draft} onChange={(e) => setDraft(e.target.value)} autoFocus />
      <div className="form-row">
        <button type="submit" className="primary">
          Save
        </button>
        <button type="button" onClick={() => setEditing(false)}>
          Cancel
        </button>
        {error && (
          <span className="field-error" role="alert">
            {error}
          </span>
        )}
      </div>
    </form>
  )
}
