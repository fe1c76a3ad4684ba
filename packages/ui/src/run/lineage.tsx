/**
 * Where a run came from and what it made: source code (git commit, branch, repository, dirty
 * tree, entry point), the datasets it read and the models it logged, with their registry versions.
 */
import {
  type DatasetInput,
  type KeyValue,
  type LoggedModel,
  type ModelOutput,
  loggedModelFromWire,
  trackingApi,
} from '@keel/contracts'
import { Link } from 'react-router'
import { call } from '../api/client'
import { useApi } from '../api/use-api'
import { ErrorBox, Loading } from '../components/states'
import { formatTime } from '../format'
import { commitUrl } from './source'
import { ColumnHeads } from '../components/column-heads'

const tagOf = (tags: readonly KeyValue[], key: string) => tags.find((t) => t.key === key)?.value

export function Lineage({
  tags,
  datasets,
  outputs,
}: {
  tags: readonly KeyValue[]
  datasets: readonly DatasetInput[]
  outputs: readonly ModelOutput[]
}) {
  const commit = tagOf(tags, 'mlflow.source.git.commit')
  const repo = tagOf(tags, 'mlflow.source.git.repoURL') ?? tagOf(tags, 'mlflow.gitRepoURL')
  const branch = tagOf(tags, 'mlflow.source.git.branch')
  const dirty = tagOf(tags, 'keel.source.git.dirty')
  const entry = tagOf(tags, 'mlflow.source.name')
  const sourceType = tagOf(tags, 'mlflow.source.type')
  const parent = tagOf(tags, 'mlflow.parentRunId')
  const link = commitUrl(repo, commit)
  const hasSource = commit || repo || branch || entry || parent
  return (
    <div className="lineage">
      <h3>Source</h3>
      {hasSource ? (
        <table className="kv">
          <tbody>
            {entry && (
              <tr>
                <th scope="row">Entry point</th>
                <td className="mono">
                  {entry}
                  {sourceType && <span className="badge badge-muted">{sourceType.toLowerCase()}</span>}
                </td>
              </tr>
            )}
            {commit && (
              <tr>
                <th scope="row">Git commit</th>
                <td className="mono">
                  {link ? (
                    <a href={link} target="_blank" rel="noreferrer" title={commit}>
                      {commit.slice(0, 12)}
                    </a>
                  ) : (
                    <span title={commit}>{commit.slice(0, 12)}</span>
                  )}
                  {dirty === 'true' && (
                    <span
                      className="badge badge-warn"
                      title="The working tree had uncommitted changes when the run started"
                    >
                      uncommitted changes
                    </span>
                  )}
                  {dirty === 'false' && <span className="badge badge-ok">clean</span>}
                </td>
              </tr>
            )}
            {branch && (
              <tr>
                <th scope="row">Branch</th>
                <td className="mono">{branch}</td>
              </tr>
            )}
            {repo && (
              <tr>
                <th scope="row">Repository</th>
                <td className="mono">{repo}</td>
              </tr>
            )}
            {parent && (
              <tr>
                <th scope="row">Parent run</th>
                <td className="mono">
                  <Link to={`/runs/${parent}`}>{parent}</Link>
                </td>
              </tr>
            )}
          </tbody>
        </table>
      ) : (
        <p className="muted">No source recorded (no git or entry-point tags).</p>
      )}

      <h3>Dataset inputs</h3>
      <DatasetInputsTable datasets={datasets} empty="No datasets logged (log-inputs)." />

      <h3>Logged models</h3>
      {outputs.length === 0 ? (
        <p className="muted">No models logged by this run.</p>
      ) : (
        <LoggedModels outputs={outputs} />
      )}
    </div>
  )
}

/** A run's dataset inputs: name, digest, context and source (the run page and a version's lineage). */
export function DatasetInputsTable({ datasets, empty }: { datasets: readonly DatasetInput[]; empty: string }) {
  return datasets.length === 0 ? (
    <p className="muted">{empty}</p>
  ) : (
    <table className="table compact">
      <ColumnHeads columns={['Dataset', 'Digest', 'Context', 'Source']} />
      <tbody>
        {datasets.map((d) => (
          // A run has a dataset (its name and digest) once.
          <tr key={`${d.dataset.name}|${d.dataset.digest}`}>
            <td>{d.dataset.name}</td>
            <td className="mono">{d.dataset.digest}</td>
            <td>{tagOf(d.tags, 'mlflow.data.context') ?? <span className="muted">–</span>}</td>
            <td className="mono break">
              <span className="badge badge-muted">{d.dataset.sourceType}</span> {sourceText(d.dataset.source)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** Dataset sources are often JSON like {"uri": "..."}: show the URI. */
function sourceText(source: string): string {
  try {
    const parsed = JSON.parse(source) as Record<string, unknown>
    const uri = parsed.uri ?? parsed.url ?? parsed.path
    if (typeof uri === 'string') return uri
  } catch {
    // plain text
  }
  return source
}

function LoggedModels({ outputs }: { outputs: readonly ModelOutput[] }) {
  const ids = [...new Set(outputs.map((o) => o.modelId))]
  const models = useApi(ids.join(','), async (signal) =>
    Promise.all(
      ids.map(async (id): Promise<LoggedModel | { id: string; error: Error }> => {
        try {
          return loggedModelFromWire((await call(trackingApi.getLoggedModel, { model_id: id }, signal)).model)
        } catch (e) {
          return { id, error: e as Error }
        }
      }),
    ),
  )
  if (models.error) return <ErrorBox error={models.error} onRetry={models.reload} />
  if (!models.data) return <Loading what="logged models" />
  return (
    <table className="table compact">
      <ColumnHeads columns={['Model', 'ID', 'Status', 'Registered as']} />
      <tbody>
        {models.data.map((m) =>
          'error' in m ? (
            <tr key={m.id}>
              <td className="field-error">{m.error.message}</td>
              <td className="mono">{m.id}</td>
              <td />
              <td />
            </tr>
          ) : (
            <tr key={m.info.modelId}>
              <td>
                {m.info.name}
                {m.info.modelType && <span className="badge badge-muted">{m.info.modelType}</span>}
              </td>
              <td className="mono" title={formatTime(m.info.creationTimestampMs)}>
                {m.info.modelId}
              </td>
              <td>
                <ModelStatus status={m.info.status} />
              </td>
              <td>
                {m.info.registrations.length === 0 ? (
                  <span className="muted">not registered</span>
                ) : (
                  m.info.registrations.map((r) => (
                    <Link
                      key={`${r.name}/${r.version}`}
                      className="reg-link"
                      to={`/models/${encodeURIComponent(r.name)}/versions/${encodeURIComponent(r.version)}`}
                    >
                      {r.name} v{r.version}
                    </Link>
                  ))
                )}
              </td>
            </tr>
          ),
        )}
      </tbody>
    </table>
  )
}

function ModelStatus({ status }: { status: string }) {
  const label = status.replace(/^LOGGED_MODEL_(STATUS_)?/, '').toLowerCase()
  const cls =
    status === 'LOGGED_MODEL_READY'
      ? 'badge-ok'
      : status === 'LOGGED_MODEL_UPLOAD_FAILED'
        ? 'badge-danger'
        : 'badge-muted'
  return <span className={`badge ${cls}`}>{label.replace(/_/g, ' ')}</span>
}
