import { MODEL_VERSION_STAGES, type ModelVersionStage, registryApi } from '@keel/contracts'
import { type FormEvent, useId, useState } from 'react'
import { call } from '../api/client'
import { FormFeedback } from '../components/form-feedback'
import { useAction } from '../components/use-action'

/** The move to offer from a stage: on towards Production, and Production to Archived. */
const nextStage = (stage: ModelVersionStage): ModelVersionStage =>
  stage === 'Production' ? 'Archived' : stage === 'Staging' ? 'Production' : 'Staging'

/** Move a version to a stage, optionally archiving the versions already there, with a comment for the trail. */
export function StageForm({
  name,
  version,
  current,
  onDone,
}: {
  name: string
  version: string
  current: ModelVersionStage
  onDone: () => void
}) {
  const id = useId()
  const [stage, setStage] = useState<ModelVersionStage>(nextStage(current))
  const [archive, setArchive] = useState(false)
  const [comment, setComment] = useState('')
  const { busy, error, done, run } = useAction()
  const canArchive = stage === 'Staging' || stage === 'Production'
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void run(async () => {
      await call(registryApi.transitionModelVersionStage, {
        name,
        version,
        stage,
        archive_existing_versions: canArchive && archive,
        ...(comment.trim() && { comment: comment.trim() }),
      })
      setComment('')
      setArchive(false)
      // Offer the next move rather than the one just made (which would be a no-op now).
      setStage(nextStage(stage))
      onDone()
      return `v${version} moved to ${stage}`
    })
  }
  return (
    <form className="action-form" onSubmit={submit} aria-label={`Move version ${version} to a stage`}>
      <h4>
        Move stage <span className="muted">(now {current === 'None' ? 'no stage' : current})</span>
      </h4>
      <div className="field">
        <label htmlFor={`${id}-stage`}>Stage</label>
        <select id={`${id}-stage`} value={stage} onChange={(e) => setStage(e.target.value as ModelVersionStage)}>
          {MODEL_VERSION_STAGES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <label className="check">
        <input
          type="checkbox"
          checked={canArchive && archive}
          disabled={!canArchive}
          onChange={(e) => setArchive(e.target.checked)}
        />{' '}
        Archive existing versions in that stage
      </label>
      <div className="field">
        <label htmlFor={`${id}-stage-comment`}>Comment (kept in the audit trail)</label>
        <input
          id={`${id}-stage-comment`}
          type="text"
          value={comment}
          placeholder="e.g. approved after the A/B test"
          onChange={(e) => setComment(e.target.value)}
        />
      </div>
      <div className="form-row">
        <button type="submit" className="primary" disabled={busy || stage === current}>
          Move to {stage}
        </button>
        <FormFeedback error={error} done={done} inline />
      </div>
    </form>
  )
}
