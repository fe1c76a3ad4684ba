/**
 * MLflow's `GET /get-artifact?path=…&run_uuid=…` (or `run_id=`): one file of a run's artifacts,
 * downloaded as the proxied artifact routes send files. Older MLflow UIs and clients read run
 * artifacts through it. Who may call it: READ on the run's experiment (auth/route-permissions.ts).
 */
import { KeelError } from '@keel/contracts'
import type { Hono } from 'hono'
import { sendArtifactFile } from '../artifacts/artifact-routes.js'
import type { RunService } from './run-service.js'

/** The query parameters naming the run, in the order MLflow reads them. */
export const GET_ARTIFACT_RUN_PARAMS = ['run_id', 'run_uuid'] as const

export function mountGetArtifactRoute(app: Hono, runs: RunService, options: { serve: boolean }): void {
  if (!options.serve) {
    // As the proxied artifact routes answer with --no-serve-artifacts.
    app.get('/get-artifact', (c) =>
      c.text('This server is not configured to serve artifacts (started with --no-serve-artifacts).', 503),
    )
    return
  }
  app.get('/get-artifact', async (c) => {
    const runId = GET_ARTIFACT_RUN_PARAMS.map((name) => c.req.query(name)).find((v) => v)
    if (!runId) throw KeelError.invalid("Missing value for required parameter 'run_id'.")
    const path = c.req.query('path')
    return sendArtifactFile(c, await runs.openArtifact(runId, path), path ?? '')
  })
}
