import { type FormEvent, useId, useState } from 'react'
import { ApiError, errorMessage } from '../api/client'
import { parseRunModel, registerRunModel } from './registry-data'

/** Register a run's logged model (a run id and the model's name, or a runs:/ URI) as a new version of a model. */
export function RegisterForm({
  defaultName = '',
  fixedName = false,
  onRegistered,
  onCancel,
}: {
  defaultName?: string
  fixedName?: boolean
  onRegistered: (name: string, version: string) => void
  onCancel: () => void
}) {
  const id = useId()
  const [run, setRun] = useState('')
  const [path, setPath] = useState('model')
  const [name, setName] = useState(defaultName)
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const isUri = run.trim().startsWith('runs:/')
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const parsed = parseRunModel(run, path)
    if (typeof parsed === 'string') return setError(parsed)
    if (!name.trim()) return setError('Give the registered model a name.')
    setBusy(true)
    setError(undefined)
    try {
      const v = await registerRunModel(name.trim(), parsed.runId, parsed.path)
      setRun('')
      onRegistered(v.name, v.version)
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'RESOURCE_DOES_NOT_EXIST' && /run/i.test(err.message)
          ? `No run with id ${parsed.runId}.`
          : errorMessage(err),
      )
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="panel register-form" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Register a run’s model</h2>
      <p className="muted">
        The new version points at the run’s logged model: its lineage (code, data, params, metrics) is captured now.
      </p>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-run`}>Run ID or runs:/ URI</label>
          <input
            id={`${id}-run`}
            type="text"
            className="mono"
            value={run}
            placeholder="a1b2c3… or runs:/a1b2c3…/model"
            required
            onChange={(e) => setRun(e.target.value)}
            autoFocus
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-path`}>Logged model name</label>
          <input
            id={`${id}-path`}
            type="text"
            value={isUri ? '' : path}
            placeholder={isUri ? 'from the URI' : 'model'}
            disabled={isUri}
            onChange={(e) => setPath(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-name`}>Registered model name</label>
          <input
            id={`${id}-name`}
            type="text"
            value={name}
            readOnly={fixedName}
            required
            placeholder="created if it does not exist"
            onChange={(e) => setName(e.target.value)}
          />
        </div>
      </div>
      <div className="form-row">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Registering…' : 'Register'}
        </button>
        <button type="button" onClick={onCancel}>
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
