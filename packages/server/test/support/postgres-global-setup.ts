/**
 * vitest's globalSetup: one throwaway PostgreSQL cluster for the whole run, stopped and removed at
 * its end. Tests reach it through support/postgres.ts (`inject('postgresUri')`).
 */
import type { TestProject } from 'vitest/node'
import { startPostgresCluster } from './postgres-cluster.js'

export default async function setup(project: TestProject): Promise<() => void> {
  const cluster = await startPostgresCluster()
  project.provide('postgresUri', cluster.uri('postgres'))
  return () => cluster.destroy()
}
