/** What a version was made of, as captured at registration: run and code, datasets, params and metrics. */
import type { ModelVersionLineage } from '@keel/contracts'
import { Link } from 'react-router'
import { formatNumber } from '../format'
import { DatasetInputsTable } from '../run/lineage'

export function VersionLineage({ lineage: l }: { lineage: ModelVersionLineage }) {
  return (
    <section className="lineage" aria-labelledby="lineage-title">
      <div className="grid-2">
        <div className="panel">
          <h3 className="panel-title">Run and code</h3>
          <table className="kv">
            <tbody>
              <tr>
                <th scope="row">Run</th>
                <td className="mono">
                  {l.runId ? <Link to={`/runs/${l.runId}`}>{l.runId}</Link> : <span className="muted">—</span>}
                </td>
              </tr>
              <tr>
                <th scope="row">Experiment</th>
                <td className="mono">
                  {l.experimentId ? (
                    <Link to={`/experiments/${l.experimentId}`}>{l.experimentId}</Link>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
              </tr>
              <tr>
                <th scope="row">Git commit</th>
                <td className="mono">
                  {l.git?.commit ?? <span className="muted">not recorded</span>}
                  {l.git?.dirty && <span className="badge badge-warn">uncommitted changes</span>}
                  {l.git?.dirty === false && <span className="badge badge-ok">clean</span>}
                </td>
              </tr>
              <tr>
                <th scope="row">Branch</th>
                <td className="mono">{l.git?.branch ?? <span className="muted">—</span>}</td>
              </tr>
              <tr>
                <th scope="row">Repository</th>
                <td className="mono">{l.git?.repoUrl ?? <span className="muted">—</span>}</td>
              </tr>
              <tr>
                <th scope="row">Entry point</th>
                <td className="mono">{l.entryPoint ?? <span className="muted">—</span>}</td>
              </tr>
              <tr>
                <th scope="row">Logged model</th>
                <td className="mono">{l.modelId ?? <span className="muted">—</span>}</td>
              </tr>
            </tbody>
          </table>
          <h3>Datasets</h3>
          <DatasetInputsTable datasets={l.datasets} empty="No datasets logged on the run." />
        </div>
        <div className="panel">
          <h3 className="panel-title">Params at registration</h3>
          {l.params.length === 0 ? (
            <p className="muted">No params.</p>
          ) : (
            <table className="table compact" aria-label="Params at registration">
              <tbody>
                {l.params.map((p) => (
                  <tr key={p.key}>
                    <th scope="row">{p.key}</th>
                    <td className="mono">{p.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Metrics at registration</h3>
          {l.metrics.length === 0 ? (
            <p className="muted">No metrics.</p>
          ) : (
            <table className="table compact" aria-label="Metrics at registration">
              <tbody>
                {l.metrics.map((m) => (
                  <tr key={m.key}>
                    <th scope="row">{m.key}</th>
                    <td className="num" title={String(m.value)}>
                      {formatNumber(m.value)}
                    </td>
                    <td className="muted small">step {m.step}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </section>
  )
}
