/** What became of a form's action: the error (an alert) and what was done (a status), under the form or inline in its row. */
export function FormFeedback({
  error,
  done,
  inline = false,
  errorId,
}: {
  error?: string | undefined
  done?: string | undefined
  /** In the form's row (a span) rather than a line of its own (a paragraph). */
  inline?: boolean
  /** The error's id, for the input it describes (`aria-describedby`). */
  errorId?: string
}) {
  const Line = inline ? 'span' : 'p'
  return (
    <>
      {error && (
        <Line className="field-error" id={errorId} role="alert">
          {error}
        </Line>
      )}
      {done && (
        <Line className="field-ok" role="status">
          {done}
        </Line>
      )}
    </>
  )
}
