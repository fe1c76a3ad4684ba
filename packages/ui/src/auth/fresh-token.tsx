import { useId, useRef, useState } from 'react'

/** The secret of a token just created: shown this once, with a copy button. */
export function FreshToken({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  const id = useId()
  const input = useRef<HTMLInputElement>(null)
  const [copied, setCopied] = useState<'yes' | 'no' | undefined>()
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret)
      setCopied('yes')
    } catch {
      // No clipboard access (permissions, or not a secure context): select it for Ctrl+C.
      input.current?.select()
      setCopied(document.execCommand('copy') ? 'yes' : 'no')
    }
  }
  return (
    <section className="panel token-fresh" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="panel-title">
        Token “{name}” created
      </h2>
      <p className="token-warning">
        <strong>Copy it now: it won’t be shown again.</strong> keel keeps only a hash of it; if it is lost, revoke it
        and create another.
      </p>
      <div className="secret-row">
        <label className="sr-only" htmlFor={`${id}-secret`}>
          The new token
        </label>
        <input
          id={`${id}-secret`}
          ref={input}
          className="mono secret"
          type="text"
          readOnly
          value={secret}
          onFocus={(e) => e.currentTarget.select()}
          spellCheck={false}
        />
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy
        </button>
        {copied && (
          <span className={copied === 'yes' ? 'field-ok' : 'field-error'} role="status">
            {copied === 'yes' ? 'Copied' : 'Could not copy: it is selected, press Ctrl+C'}
          </span>
        )}
      </div>
      <p className="muted small">
        Use it: <code>export MLFLOW_TRACKING_TOKEN=…</code> (the MLflow client, <code>keel</code> and the SDK read it).
      </p>
      <button type="button" onClick={onDone}>
        Done
      </button>
    </section>
  )
}
