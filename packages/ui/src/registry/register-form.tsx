import { type FormEvent, useId, useState } from 'react'
import { ApiError, errorMessage } from '../api/client'
import { SubmitCancel } from '../components/submit-cancel'
import { useAction } from '../components/use-action'
import { parseRunModel, registerRunModel } from './registry-data'
import { focusWhenShown } from '../components/focus-when-shown'

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
  const action = useAction()
  const isUri = run.trim().startsWith('runs:/')
  const submit = (e: FormEvent) => {
    e.preventDefault()
    const parsed = parseRunModel(run, path)
    if (typeof parsed === 'string') return action.fail(parsed)
    if (!name.trim()) return action.fail('Give the registered model a name.')
    void action.run(
      async () => {
        const v = await registerRunModel(name.trim(), parsed.runId, parsed.path)
        setRun('')
        onRegistered(v.name, v.version)
      },
      (err) =>
        err instanceof ApiError && err.code === 'RESOURCE_DOES_NOT_EXIST' && /run/i.test(err.message)
          ? `No run with id ${parsed.runId}.`
          : errorMessage(err),
    )
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
            ref={focusWhenShown}
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
        <SubmitCancel
          label={action.busy ? 'Registering…' : 'Register'}
          busy={action.busy}
          onCancel={onCancel}
          error={action.error}
        />
      </div>
    </form>
  )
}
