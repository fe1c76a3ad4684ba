/** The run page's params, by name. */
import type { Param } from '@keel/contracts'

export function ParamsPanel({ params }: { params: readonly Param[] }) {
  return (
    <section className="panel" id="params" aria-labelledby="params-title">
      <h2 id="params-title">
        Params <span className="count">{params.length}</span>
      </h2>
      {params.length === 0 ? (
        <p className="muted">No params logged.</p>
      ) : (
        <table className="kv">
          <tbody>
            {[...params]
              .sort((a, b) => a.key.localeCompare(b.key))
              .map((p) => (
                <tr key={p.key}>
                  <th scope="row">{p.key}</th>
                  <td className="mono">{p.value}</td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
