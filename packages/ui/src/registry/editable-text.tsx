import { useId, useState } from 'react'
import { SubmitCancel } from '../components/submit-cancel'
import { useAction } from '../components/use-action'
import { focusWhenShown } from '../components/focus-when-shown'

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
  const { error, run, clear } = useAction()
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
              clear()
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
        void run(async () => {
          await onSave(draft)
          setEditing(false)
        })
      }}
    >
      <label htmlFor={id}>{label}</label>
      <textarea id={id} rows={3} value={draft} onChange={(e) => setDraft(e.target.value)} ref={focusWhenShown} />
      <div className="form-row">
        <SubmitCancel label="Save" onCancel={() => setEditing(false)} error={error} />
      </div>
    </form>
  )
}
