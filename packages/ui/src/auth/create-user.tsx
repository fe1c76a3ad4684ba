import { authApi } from '@keel/contracts'
import { type FormEvent, useId, useState } from 'react'
import { call } from '../api/client'
import { FormFeedback } from '../components/form-feedback'
import { useAction } from '../components/use-action'

export const MIN_PASSWORD = 12

/** A new user: name and password (at least MIN_PASSWORD characters). */
export function CreateUser({ onCreated }: { onCreated: (name: string) => void }) {
  const id = useId()
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const { busy, error, run, fail } = useAction()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (password.length < MIN_PASSWORD) return fail(`A password has at least ${MIN_PASSWORD} characters.`)
    void run(async () => {
      await call(authApi.createUser, { username: username.trim(), password })
      setUsername('')
      setPassword('')
      onCreated(username.trim())
    })
  }
  return (
    <form className="panel user-form" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="panel-title">
        New user
      </h2>
      <div className="token-form-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>User name</label>
          <input
            id={`${id}-name`}
            type="text"
            autoComplete="off"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password (at least {MIN_PASSWORD} characters)</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </div>
        <div className="field token-form-submit">
          <button type="submit" className="primary" disabled={busy || username.trim() === '' || password === ''}>
            Create user
          </button>
        </div>
      </div>
      <FormFeedback error={error} />
    </form>
  )
}
