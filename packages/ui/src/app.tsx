/** Routes: every view has a URL (filters, columns and selection in its query string). */
import { createBrowserRouter, RouterProvider } from 'react-router'
import { Layout } from './components/layout'
import { Empty } from './components/states'
import { ExperimentsPage } from './pages/experiments-page'

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { index: true, element: <ExperimentsPage /> },
      { path: '*', element: <Empty title="No such page">Check the address, or go back to the experiments.</Empty> },
    ],
  },
])

export function App() {
  return <RouterProvider router={router} />
}
