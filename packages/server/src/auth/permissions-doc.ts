/**
 * docs/permissions.md, rendered from the permission table itself (ROUTE_PERMISSIONS and
 * RAW_ROUTES), so the page cannot drift from what the server enforces: `npm run docs:permissions`
 * writes it, and a test fails when the committed page differs from this rendering.
 */
import {
  type Endpoint,
  aliasApprovalsApi,
  authApi,
  keelJobsApi,
  keelMonitoringApi,
  keelMonitorsApi,
  keelPredictionsApi,
  keelTrackingApi,
  registryApi,
  trackingApi,
  tracingApi,
} from '@keel/contracts'
import { PERMISSION_TABLE, RAW_ROUTES } from './route-permissions.js'

const GROUPS: readonly (readonly [string, Readonly<Record<string, Endpoint>>])[] = [
  ['Tracking (MLflow)', trackingApi],
  ['Tracking (keel)', keelTrackingApi],
  ['Traces (MLflow)', tracingApi],
  ['Model registry (MLflow)', registryApi],
  ['Protected aliases and approvals (keel)', aliasApprovalsApi],
  ['Users, permissions, roles, tokens and the audit log', authApi],
  ['Monitoring reports (keel)', keelMonitoringApi],
  ['Live monitors (keel)', keelMonitorsApi],
  ['Prediction logs (keel)', keelPredictionsApi],
  ['Work queue (keel)', keelJobsApi],
]

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ')

export function renderPermissionsDoc(): string {
  const lines: string[] = [
    '# Who may call what',
    '',
    '<!-- Generated from packages/server/src/auth/route-permissions.ts by `npm run docs:permissions`; a test checks it is current. Do not edit by hand. -->',
    '',
    'With authentication on (`keel server --app-name basic-auth`), every route needs what this page says. Without it, every caller',
    'may do everything, which is why keel then listens only on loopback unless told `--no-auth`.',
    '',
    "The levels are MLflow's: `READ` < `USE` < `EDIT` < `MANAGE`. Every user holds the server's default permission (`READ` unless",
    'configured) on every resource, a grant on a resource raises it (never below the default), a `DENY` grant (or `NO_PERMISSIONS`',
    'as a default) refuses it whatever else the user holds, and admins may do everything. Runs and logged models follow their',
    'experiment; versions, aliases and lineage their registered model; prediction logs and monitors their deployment. Searches',
    'answer only what the caller may read. Without credentials a route answers 401; one level short, 403 `PERMISSION_DENIED`.',
    '',
    'Writes (every route marked *write*) are recorded in the audit log, refused ones included (`keel audit`).',
    '',
  ]
  for (const [title, api] of GROUPS) {
    lines.push(`## ${title}`, '', '| Method | Path | Needs | Audited |', '| --- | --- | --- | --- |')
    for (const endpoint of Object.values(api)) {
      const requirement = PERMISSION_TABLE.get(endpoint)
      const needs = requirement === undefined ? '**no row: the server refuses to start**' : requirement.describe
      const path = `/api/${endpoint.major}.0${endpoint.path}`
      lines.push(`| ${endpoint.method} | \`${path}\` | ${cell(needs)} | ${requirement?.write ? 'write' : ''} |`)
    }
    lines.push('')
  }
  lines.push(
    '## Other routes',
    '',
    "Paths under `/api/` are also served under `/ajax-api/` (the web UI's prefix) with the same permissions.",
    '',
    '| Method | Path | Needs |',
    '| --- | --- | --- |',
  )
  for (const route of RAW_ROUTES) lines.push(`| ${route.method} | \`${route.path}\` | ${cell(route.describe)} |`)
  lines.push('')
  return lines.join('\n')
}
