/** A form's submit and Cancel buttons, with its error beside them. */
import { FormFeedback } from './form-feedback'

export function SubmitCancel({
  label,
  busy = false,
  onCancel,
  error,
}: {
  label: string
  /** While the submit runs: the submit button is disabled. */
  busy?: boolean
  onCancel: () => void
  error: string | undefined
}) {
  return (
    <>
      <button type="submit" className="primary" disabled={busy}>
        {label}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <FormFeedback error={error} inline />
    </>
  )
}
