/** Routes: every view has a URL (filters, columns and selection in its query string). */
import { createBrowserRouter, RouterProvider } from 'react-router'
import { AuthProvider } from './auth/auth-context'
import { RequireAuth } from './auth/require-auth'
import { SignInPage } from './auth/sign-in-page'
import { Layout } from './components/layout'
import { Empty } from './components/states'
import { JobsPage } from './jobs/jobs-page'
import { MonitorPage } from './monitoring/monitor-page'
import { MonitoringPage } from './monitoring/monitoring-page'
import { ComparePage } from './pages/compare-page'
import { ExperimentsPage } from './pages/experiments-page'
import { ModelPage } from './pages/model-page'
import { ModelVersionPage } from './pages/model-version-page'
import { ModelsPage } from './pages/models-page'
import { RunPage } from './pages/run-page'
import { RunsPage } from './pages/runs-page'
import { TracePage } from './pages/trace-page'
import { TracesPage } from './pages/traces-page'
import { TokensPage } from './pages/tokens-page'
import { UsersPage } from './pages/users-page'

const router = createBrowserRouter([
  // With authentication on (`keel server --app-name basic-auth`); ?next= is where to go back to.
  { path: 'sign-in', element: <SignInPage /> },
  {
    element: (
      <RequireAuth>
        <Layout />
      </RequireAuth>
    ),
    children: [
      { index: true, element: <ExperimentsPage /> },
      // The runs of one experiment: columns, sort, filter, grouping and selection in the query string.
      { path: 'experiments/:experimentId', element: <RunsPage /> },
      // Its traces: ?filter=, ?order=, ?size=, ?page=<token>… (the tokens that led to the page shown)
      { path: 'experiments/:experimentId/traces', element: <TracesPage /> },
      // One trace: ?span=<selected span id>, ?collapsed=<span ids>
      { path: 'experiments/:experimentId/traces/:traceId', element: <TracePage /> },
      { path: 'runs/:runId', element: <RunPage /> },
      // ?runs=<id>,<id>,…
      { path: 'compare', element: <ComparePage /> },
      { path: 'models', element: <ModelsPage /> },
      { path: 'models/:name', element: <ModelPage /> },
      { path: 'models/:name/versions/:version', element: <ModelVersionPage /> },
      // ?deployment=, ?model= narrow the list; a monitor's view: ?col=, ?win=, ?range=
      { path: 'monitoring', element: <MonitoringPage /> },
      { path: 'monitoring/:monitorId', element: <MonitorPage /> },
      // The work queue: ?state=, ?kind=
      { path: 'jobs', element: <JobsPage /> },
      // One's personal access tokens; users (admins).
      { path: 'tokens', element: <TokensPage /> },
      { path: 'users', element: <UsersPage /> },
      { path: '*', element: <Empty title="No such page">Check the address, or go back to the experiments.</Empty> },
    ],
  },
])

export function App() {
  return (
    <AuthProvider>
      <RouterProvider router={router} />
    </AuthProvider>
  )
}
