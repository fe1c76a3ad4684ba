import { authApi } from '@keel/contracts'
import { type FormEvent, useId, useState } from 'react'
import { call } from '../api/client'
import { FormFeedback } from '../components/form-feedback'
import { useAction } from '../components/use-action'

const EXPIRIES = [
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: 730, label: '2 years (the longest)' },
]

/** A new personal access token: what it is for, and when it expires. */
export function CreateToken({ onCreated }: { onCreated: (name: string, secret: string) => void }) {
  const id = useId()
  const [name, setName] = useState('')
  const [days, setDays] = useState('90')
  const { busy, error, run } = useAction()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void run(async () => {
      const res = await call(authApi.createToken, { name: name.trim(), expires_in_days: Number(days) })
      setName('')
      onCreated(res.token_info.name, res.token)
    })
  }
  return (
    <form className="panel token-form" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="panel-title">
        New token
      </h2>
      <div className="token-form-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name (what it is for)</label>
          <input
            id={`${id}-name`}
            type="text"
            value={name}
            maxLength={256}
            placeholder="e.g. nightly-training on ci-runner-2"
            onChange={(e) => setName(e.target.value)}
            required
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-expiry`}>Expires after</label>
          <select id={`${id}-expiry`} value={days} onChange={(e) => setDays(e.target.value)}>
            {EXPIRIES.map((x) => (
              <option key={x.days} value={String(x.days)}>
                {x.label}
                {x.days === 90 ? ' (default)' : ''}
              </option>
            ))}
          </select>
        </div>
        <div className="field token-form-submit">
          <button type="submit" className="primary" disabled={busy || name.trim() === ''}>
            {busy ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </div>
      <FormFeedback error={error} />
    </form>
  )
}
