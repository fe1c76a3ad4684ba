/** Placeholder until this page is built (replaced in this session; never shipped as is). */
import { Empty } from '../components/states'

export function RunsPage() {
  return <Empty title="This page is being built" />
}
