/** The run page's tags: the user's own, and MLflow's and keel's system tags folded away. */
import type { Tag } from '@keel/contracts'
import { isSystemTag } from './status-badge'

export function TagsPanel({ tags }: { tags: readonly Tag[] }) {
  const userTags = tags.filter((t) => !isSystemTag(t.key) && t.key !== 'mlflow.runName')
  const systemTags = tags.filter((t) => isSystemTag(t.key))
  return (
    <section className="panel" id="tags" aria-labelledby="tags-title">
      <h2 id="tags-title">
        Tags <span className="count">{userTags.length}</span>
      </h2>
      {userTags.length === 0 ? (
        <p className="muted">No tags of your own.</p>
      ) : (
        <table className="kv">
          <tbody>
            {userTags.map((t) => (
              <tr key={t.key}>
                <th scope="row">{t.key}</th>
                <td>{t.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {systemTags.length > 0 && (
        <details className="system-tags">
          <summary>System tags ({systemTags.length})</summary>
          <table className="kv">
            <tbody>
              {systemTags.map((t) => (
                <tr key={t.key}>
                  <th scope="row" className="mono">
                    {t.key}
                  </th>
                  <td className="mono">{t.value.length > 300 ? `${t.value.slice(0, 300)}…` : t.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </section>
  )
}
