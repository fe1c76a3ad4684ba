/**
 * Every row of the permission table (src/auth/route-permissions.ts), checked in-process through
 * the app's request function with authentication on and `default_permission = NO_PERMISSIONS`: without credentials a route answers
 * 401 (unless public); a user one level short of what the row needs gets 403 PERMISSION_DENIED;
 * a user holding exactly that level gets past the check (any answer but 401/403). Users hold
 * their level through roles with wildcard grants, so each row can use fresh resources (rows that
 * delete or rename would otherwise consume the next row's). A row without a sample here fails.
 */
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTE_PERMISSIONS } from '../src/auth/route-permissions.js'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'

const ADMIN = { username: 'admin', password: 'admin-password-1' }
const PASSWORD = 'user-password-12'
type Level = 'READ' | 'EDIT' | 'MANAGE'
const LEVEL_USERS: Record<Level, string> = { READ: 'reader', EDIT: 'editor', MANAGE: 'manager' }
const BELOW: Record<Level, string> = { READ: 'nobody', EDIT: 'reader', MANAGE: 'editor' }

let server: InProcessKeel
let seq = 0
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${seq++}`

type Res = { status: number; json: any }

async function call(endpoint: Endpoint, body: Record<string, unknown>, user?: string): Promise<Res> {
  const rest = { ...body }
  const path = endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(body[name])))
  let url = `${server.url}/api/${endpoint.major}.0${path}`
  const headers: Record<string, string> = {}
  if (user !== undefined) {
    const password = user === ADMIN.username ? ADMIN.password : PASSWORD
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
  }
  const init: RequestInit = { method: endpoint.method, headers }
  if (endpoint.method === 'GET') {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(rest)) for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item))
    url += `?${q}`
  } else {
    init.body = JSON.stringify(rest)
    headers['content-type'] = 'application/json'
  }
  const res = await server.fetch(url, init)
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : {} }
}

async function asAdmin(endpoint: Endpoint, body: Record<string, unknown>): Promise<any> {
  const res = await call(endpoint, body, ADMIN.username)
  expect(res.status, `${endpoint.path}: ${JSON.stringify(res.json)}`).toBe(200)
  return res.json
}

/** Fresh resources of every kind, made by the admin. */
interface Fixture {
  experimentId: string
  experimentName: string
  runId: string
  loggedModelId: string
  model: string
  deployment: string
  requestId: string
  monitorId: string
  /** A pending request, by `requester`, to move the model's protected alias `champion`. */
  aliasRequestId: string
  traceId: string
  assessmentId: string
}

const T0 = 1_764_200_000_000
const record = (requestId: string, deployment: string, timestamp: number) => ({
  request_id: requestId,
  deployment,
  model_name: 'iris',
  model_version: '1',
  model_uri: 'models:/iris/1',
  variant: 'champion',
  timestamp_ms: timestamp,
  latency_ms: 1,
  protocol: 'v2',
  inputs: [{ x: 1.5 }],
  outputs: [0],
  status_code: 200,
})

async function fixture(): Promise<Fixture> {
  const experimentName = unique('exp')
  const { experiment_id: experimentId } = await asAdmin(trackingApi.createExperiment, { name: experimentName })
  const { run } = await asAdmin(trackingApi.createRun, { experiment_id: experimentId })
  const runId = run.info.run_id
  await asAdmin(trackingApi.logMetric, { run_id: runId, key: 'm', value: 1, timestamp: 1, step: 0 })
  const { model: logged } = await asAdmin(trackingApi.createLoggedModel, { experiment_id: experimentId, name: 'lm' })
  const model = unique('model')
  await asAdmin(registryApi.createRegisteredModel, { name: model })
  await asAdmin(registryApi.createModelVersion, { name: model, source: `runs:/${runId}/model`, run_id: runId })
  await asAdmin(registryApi.setRegisteredModelAlias, { name: model, alias: 'a', version: '1' })
  await asAdmin(registryApi.setModelVersionTag, { name: model, version: '1', key: 'k', value: 'v' })
  await asAdmin(registryApi.setRegisteredModelTag, { name: model, key: 'k', value: 'v' })
  const deployment = unique('deploy')
  const requestId = unique('req')
  await asAdmin(keelPredictionsApi.logPredictions, {
    records: [record(requestId, deployment, T0), record(unique('req'), deployment, T0 + 1)],
  })
  const { monitor } = await asAdmin(keelMonitorsApi.createMonitor, {
    name: 'watch',
    deployment,
    reference: { log: { start_time: T0, end_time: T0 + 1 } },
    window: { count: 10 },
  })
  await asAdmin(aliasApprovalsApi.setAliasProtection, { name: model, alias: 'champion', require_approval: true })
  const asked = await call(
    aliasApprovalsApi.createAliasRequest,
    { name: model, alias: 'champion', version: '1', comment: 'ship it' },
    'requester',
  )
  expect(asked.status, JSON.stringify(asked.json)).toBe(200)
  const { trace_info: trace } = await asAdmin(tracingApi.startTraceV2, { experiment_id: experimentId })
  const { assessment } = await asAdmin(tracingApi.createAssessment, {
    trace_id: trace.request_id,
    assessment: { assessment_name: 'good', feedback: { value: true } },
  })
  return {
    traceId: trace.request_id,
    assessmentId: assessment.assessment_id,
    experimentId,
    experimentName,
    runId,
    loggedModelId: logged.info.model_id,
    model,
    deployment,
    requestId,
    monitorId: monitor.monitor_id,
    aliasRequestId: asked.json.request.request_id,
  }
}

/** What a row needs, and a request that exercises it. */
type Need =
  | { kind: 'public' }
  | { kind: 'signed-in' }
  | { kind: 'admin' }
  /** The user named in the request themselves (else admins). */
  | { kind: 'self' }
  /** Admins or holders of a role (every test user but `stranger`). */
  | { kind: 'role-holder' }
  | { kind: 'level'; level: Level }
  /** The user who made the fixture's alias change request. */
  | { kind: 'requester' }

interface Sample {
  readonly endpoint: Endpoint
  readonly need: Need
  readonly request: (f: Fixture, user: string) => Record<string, unknown>
}

const t = trackingApi
const r = registryApi
const p = keelPredictionsApi
const m = keelMonitorsApi
const a = authApi
const aa = aliasApprovalsApi
const level = (l: Level): Need => ({ kind: 'level', level: l })
const exp = (f: Fixture) => ({ experiment_id: f.experimentId })
const run = (f: Fixture) => ({ run_id: f.runId })
const lm = (f: Fixture) => ({ model_id: f.loggedModelId })
const tr = tracingApi
const trace = (f: Fixture) => ({ trace_id: f.traceId })
const traceV2 = (f: Fixture) => ({ request_id: f.traceId })
const assessment = (f: Fixture) => ({ trace_id: f.traceId, assessment_id: f.assessmentId })
const rm = (f: Fixture) => ({ name: f.model })
const mv = (f: Fixture) => ({ name: f.model, version: '1' })
const mon = (f: Fixture) => ({ monitor_id: f.monitorId })

const SAMPLES: Sample[] = [
  { endpoint: t.createExperiment, need: { kind: 'signed-in' }, request: () => ({ name: unique('created') }) },
  { endpoint: t.getExperiment, need: level('READ'), request: exp },
  { endpoint: t.getExperimentByName, need: level('READ'), request: (f) => ({ experiment_name: f.experimentName }) },
  { endpoint: t.searchExperiments, need: { kind: 'signed-in' }, request: () => ({ max_results: 10 }) },
  { endpoint: t.deleteExperiment, need: level('MANAGE'), request: exp },
  { endpoint: t.restoreExperiment, need: level('MANAGE'), request: exp },
  { endpoint: t.updateExperiment, need: level('EDIT'), request: (f) => ({ ...exp(f), new_name: unique('renamed') }) },
  { endpoint: t.setExperimentTag, need: level('EDIT'), request: (f) => ({ ...exp(f), key: 'k', value: 'v' }) },
  { endpoint: t.deleteExperimentTag, need: level('EDIT'), request: (f) => ({ ...exp(f), key: 'k' }) },
  { endpoint: keelTrackingApi.getExperimentKeys, need: level('READ'), request: exp },
  { endpoint: t.createRun, need: level('EDIT'), request: exp },
  { endpoint: t.getRun, need: level('READ'), request: run },
  { endpoint: t.updateRun, need: level('EDIT'), request: (f) => ({ ...run(f), status: 'RUNNING' }) },
  { endpoint: t.deleteRun, need: level('MANAGE'), request: run },
  { endpoint: t.restoreRun, need: level('MANAGE'), request: run },
  { endpoint: t.searchRuns, need: { kind: 'signed-in' }, request: (f) => ({ experiment_ids: [f.experimentId] }) },
  {
    endpoint: t.logMetric,
    need: level('EDIT'),
    request: (f) => ({ ...run(f), key: 'm', value: 2, timestamp: 2, step: 1 }),
  },
  { endpoint: t.logParam, need: level('EDIT'), request: (f) => ({ ...run(f), key: 'p', value: '1' }) },
  { endpoint: t.setTag, need: level('EDIT'), request: (f) => ({ ...run(f), key: 't', value: 'v' }) },
  { endpoint: t.deleteTag, need: level('EDIT'), request: (f) => ({ ...run(f), key: 't' }) },
  {
    endpoint: t.logBatch,
    need: level('EDIT'),
    request: (f) => ({ ...run(f), metrics: [{ key: 'b', value: 1, timestamp: 1, step: 0 }] }),
  },
  { endpoint: t.logInputs, need: level('EDIT'), request: (f) => ({ ...run(f), datasets: [] }) },
  { endpoint: t.logOutputs, need: level('EDIT'), request: (f) => ({ ...run(f), models: [] }) },
  {
    endpoint: t.logModel,
    need: level('EDIT'),
    request: (f) => ({ ...run(f), model_json: '{"artifact_path": "model", "flavors": {}}' }),
  },
  { endpoint: t.getMetricHistory, need: level('READ'), request: (f) => ({ ...run(f), metric_key: 'm' }) },
  {
    endpoint: t.getMetricHistoryBulkInterval,
    need: level('READ'),
    request: (f) => ({ run_ids: [f.runId], metric_key: 'm' }),
  },
  { endpoint: t.listArtifacts, need: level('READ'), request: run },
  { endpoint: t.createLoggedModel, need: level('EDIT'), request: exp },
  { endpoint: t.getLoggedModel, need: level('READ'), request: lm },
  { endpoint: t.listLoggedModelArtifacts, need: level('READ'), request: lm },
  {
    endpoint: t.finalizeLoggedModel,
    need: level('EDIT'),
    request: (f) => ({ ...lm(f), status: 'LOGGED_MODEL_READY' }),
  },
  {
    endpoint: t.setLoggedModelTags,
    need: level('EDIT'),
    request: (f) => ({ ...lm(f), tags: [{ key: 'k', value: 'v' }] }),
  },
  {
    endpoint: t.logLoggedModelParams,
    need: level('EDIT'),
    request: (f) => ({ ...lm(f), params: [{ key: 'p', value: '1' }] }),
  },
  { endpoint: t.deleteLoggedModel, need: level('MANAGE'), request: lm },
  {
    endpoint: tr.startTraceV3,
    need: level('EDIT'),
    request: (f) => ({
      trace: {
        trace_info: {
          trace_id: unique('tr'),
          trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: f.experimentId } },
          request_time: '2026-01-01T00:00:00Z',
          state: 'OK',
        },
      },
    }),
  },
  { endpoint: tr.getTrace, need: level('READ'), request: trace },
  { endpoint: tr.getTraceInfoV3, need: level('READ'), request: trace },
  { endpoint: tr.batchGetTraces, need: { kind: 'signed-in' }, request: (f) => ({ trace_ids: [f.traceId] }) },
  { endpoint: tr.batchGetTraceInfos, need: { kind: 'signed-in' }, request: (f) => ({ trace_ids: [f.traceId] }) },
  {
    endpoint: tr.searchTracesV3,
    need: { kind: 'signed-in' },
    request: (f) => ({
      locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: f.experimentId } }],
    }),
  },
  { endpoint: tr.deleteTracesV3, need: level('MANAGE'), request: (f) => ({ ...exp(f), request_ids: ['tr-none'] }) },
  { endpoint: tr.setTraceTagV3, need: level('EDIT'), request: (f) => ({ ...trace(f), key: 'k', value: 'v' }) },
  { endpoint: tr.deleteTraceTagV3, need: level('MANAGE'), request: (f) => ({ ...trace(f), key: 'k' }) },
  {
    endpoint: tr.createAssessment,
    need: level('EDIT'),
    request: (f) => ({ ...trace(f), assessment: { assessment_name: 'q', feedback: { value: 1 } } }),
  },
  { endpoint: tr.getAssessment, need: level('READ'), request: assessment },
  {
    endpoint: tr.updateAssessment,
    need: level('EDIT'),
    request: (f) => ({ ...assessment(f), assessment: { rationale: 'r' }, update_mask: 'rationale' }),
  },
  { endpoint: tr.deleteAssessment, need: level('MANAGE'), request: (f) => ({ ...trace(f), assessment_id: 'a-none' }) },
  { endpoint: tr.startTraceV2, need: level('EDIT'), request: exp },
  { endpoint: tr.endTraceV2, need: level('EDIT'), request: (f) => ({ ...traceV2(f), status: 'OK' }) },
  { endpoint: tr.getTraceInfoV2, need: level('READ'), request: traceV2 },
  { endpoint: tr.searchTracesV2, need: { kind: 'signed-in' }, request: (f) => ({ experiment_ids: [f.experimentId] }) },
  { endpoint: tr.deleteTracesV2, need: level('MANAGE'), request: (f) => ({ ...exp(f), request_ids: ['tr-none'] }) },
  { endpoint: tr.setTraceTagV2, need: level('EDIT'), request: (f) => ({ ...traceV2(f), key: 'k', value: 'v' }) },
  { endpoint: tr.deleteTraceTagV2, need: level('MANAGE'), request: (f) => ({ ...traceV2(f), key: 'k' }) },
  { endpoint: tr.linkTracesToRun, need: level('EDIT'), request: (f) => ({ ...run(f), trace_ids: [f.traceId] }) },
  { endpoint: t.deleteLoggedModelTag, need: level('MANAGE'), request: (f) => ({ ...lm(f), tag_key: 'k' }) },
  {
    endpoint: t.searchLoggedModels,
    need: { kind: 'signed-in' },
    request: (f) => ({ experiment_ids: [f.experimentId] }),
  },
  { endpoint: t.serverInfo, need: { kind: 'public' }, request: () => ({}) },

  { endpoint: r.createRegisteredModel, need: { kind: 'signed-in' }, request: () => ({ name: unique('created') }) },
  { endpoint: r.getRegisteredModel, need: level('READ'), request: rm },
  {
    endpoint: r.renameRegisteredModel,
    need: level('EDIT'),
    request: (f) => ({ ...rm(f), new_name: unique('renamed') }),
  },
  { endpoint: r.updateRegisteredModel, need: level('EDIT'), request: (f) => ({ ...rm(f), description: 'd' }) },
  { endpoint: r.deleteRegisteredModel, need: level('MANAGE'), request: rm },
  { endpoint: r.searchRegisteredModels, need: { kind: 'signed-in' }, request: () => ({}) },
  { endpoint: r.getLatestVersions, need: level('READ'), request: rm },
  { endpoint: r.setRegisteredModelTag, need: level('EDIT'), request: (f) => ({ ...rm(f), key: 'k2', value: 'v' }) },
  { endpoint: r.deleteRegisteredModelTag, need: level('EDIT'), request: (f) => ({ ...rm(f), key: 'k' }) },
  {
    endpoint: r.setRegisteredModelAlias,
    need: level('EDIT'),
    request: (f) => ({ ...rm(f), alias: 'b', version: '1' }),
  },
  { endpoint: r.deleteRegisteredModelAlias, need: level('MANAGE'), request: (f) => ({ ...rm(f), alias: 'a' }) },
  { endpoint: r.getModelVersionByAlias, need: level('READ'), request: (f) => ({ ...rm(f), alias: 'a' }) },
  {
    endpoint: r.createModelVersion,
    need: level('EDIT'),
    request: (f) => ({ ...rm(f), source: `runs:/${f.runId}/model`, run_id: f.runId }),
  },
  { endpoint: r.getModelVersion, need: level('READ'), request: mv },
  { endpoint: r.getModelVersionDownloadUri, need: level('READ'), request: mv },
  { endpoint: r.updateModelVersion, need: level('EDIT'), request: (f) => ({ ...mv(f), description: 'd' }) },
  { endpoint: r.transitionModelVersionStage, need: level('EDIT'), request: (f) => ({ ...mv(f), stage: 'Staging' }) },
  { endpoint: r.setModelVersionTag, need: level('EDIT'), request: (f) => ({ ...mv(f), key: 'k2', value: 'v' }) },
  { endpoint: r.deleteModelVersion, need: level('MANAGE'), request: mv },
  { endpoint: r.deleteModelVersionTag, need: level('MANAGE'), request: (f) => ({ ...mv(f), key: 'k' }) },
  { endpoint: r.searchModelVersions, need: { kind: 'signed-in' }, request: () => ({}) },
  { endpoint: r.searchRegistryEvents, need: { kind: 'signed-in' }, request: () => ({}) },
  { endpoint: r.getModelVersionLineage, need: level('READ'), request: mv },
  {
    endpoint: aa.setAliasProtection,
    need: level('MANAGE'),
    request: (f) => ({ ...rm(f), alias: 'a', require_approval: false }),
  },
  { endpoint: aa.deleteAliasProtection, need: level('MANAGE'), request: (f) => ({ ...rm(f), alias: 'champion' }) },
  { endpoint: aa.listAliasProtections, need: level('READ'), request: rm },
  { endpoint: aa.createAliasRequest, need: level('MANAGE'), request: (f) => ({ ...rm(f), alias: 'a', version: '1' }) },
  { endpoint: aa.approveAliasRequest, need: level('MANAGE'), request: (f) => ({ request_id: f.aliasRequestId }) },
  { endpoint: aa.rejectAliasRequest, need: level('MANAGE'), request: (f) => ({ request_id: f.aliasRequestId }) },
  { endpoint: aa.cancelAliasRequest, need: { kind: 'requester' }, request: (f) => ({ request_id: f.aliasRequestId }) },
  { endpoint: aa.listAliasRequests, need: level('READ'), request: rm },

  {
    endpoint: p.logPredictions,
    need: level('EDIT'),
    request: (f) => ({ records: [record(unique('req'), f.deployment, T0 + 5)] }),
  },
  { endpoint: p.searchPredictions, need: level('READ'), request: (f) => ({ deployment: f.deployment }) },
  { endpoint: p.getPrediction, need: { kind: 'signed-in' }, request: (f) => ({ request_id: f.requestId }) },
  {
    endpoint: p.postLabels,
    need: level('EDIT'),
    request: (f) => ({ labels: [{ request_id: f.requestId, label: 1 }] }),
  },
  { endpoint: p.listPredictionDeployments, need: { kind: 'signed-in' }, request: () => ({}) },

  {
    endpoint: keelMonitoringApi.driftReport,
    need: { kind: 'signed-in' },
    request: () => ({ reference: { columns: { x: [1, 2, 3, 4] } }, current: { columns: { x: [1, 2, 3, 5] } } }),
  },
  {
    endpoint: m.createMonitor,
    need: level('EDIT'),
    request: (f) => ({
      name: unique('mon'),
      deployment: f.deployment,
      reference: { log: { start_time: T0, end_time: T0 + 1 } },
      window: { count: 10 },
    }),
  },
  { endpoint: m.listMonitors, need: level('READ'), request: (f) => ({ deployment: f.deployment }) },
  { endpoint: m.getMonitor, need: level('READ'), request: mon },
  { endpoint: m.updateMonitor, need: level('EDIT'), request: (f) => ({ ...mon(f), status: 'paused' }) },
  { endpoint: m.deleteMonitor, need: level('MANAGE'), request: mon },
  { endpoint: m.runMonitor, need: level('EDIT'), request: mon },
  { endpoint: m.listWindows, need: level('READ'), request: mon },
  { endpoint: m.getPerformance, need: level('READ'), request: mon },
  { endpoint: m.getProfile, need: level('READ'), request: mon },
  { endpoint: m.listAlerts, need: level('READ'), request: mon },

  { endpoint: keelJobsApi.listJobs, need: level('READ'), request: () => ({}) },
  { endpoint: keelJobsApi.getJob, need: level('READ'), request: () => ({ job_id: 'no-such-job' }) },
  { endpoint: keelJobsApi.cancelJob, need: level('MANAGE'), request: () => ({ job_id: 'no-such-job' }) },

  { endpoint: a.createUser, need: { kind: 'admin' }, request: () => ({ username: unique('u'), password: PASSWORD }) },
  { endpoint: a.getUser, need: { kind: 'self' }, request: (_f, user) => ({ username: user }) },
  { endpoint: a.listUsers, need: { kind: 'signed-in' }, request: () => ({}) },
  { endpoint: a.currentUser, need: { kind: 'signed-in' }, request: () => ({}) },
  // A wrong current password: past the check, refused by the rule behind it (nobody's password changes).
  {
    endpoint: a.updateUserPassword,
    need: { kind: 'self' },
    request: (_f, user) => ({ username: user, password: 'another-password-1', current_password: 'not-it-at-all' }),
  },
  { endpoint: a.updateUserAdmin, need: { kind: 'admin' }, request: () => ({ username: 'nobody', is_admin: false }) },
  { endpoint: a.deleteUser, need: { kind: 'admin' }, request: () => ({ username: 'no-such-user' }) },
  { endpoint: a.listCurrentUserPermissions, need: { kind: 'signed-in' }, request: () => ({}) },
  { endpoint: a.listUserPermissions, need: { kind: 'self' }, request: (_f, user) => ({ username: user }) },
  {
    endpoint: a.grantUserPermission,
    need: level('MANAGE'),
    request: (f) => ({
      username: 'nobody',
      resource_type: 'experiment',
      resource_id: f.experimentId,
      permission: 'READ',
    }),
  },
  {
    endpoint: a.revokeUserPermission,
    need: level('MANAGE'),
    request: (f) => ({ username: 'nobody', resource_type: 'experiment', resource_id: f.experimentId }),
  },
  {
    endpoint: a.getUserPermission,
    need: { kind: 'self' },
    request: (f, user) => ({ username: user, resource_type: 'experiment', resource_id: f.experimentId }),
  },
  {
    endpoint: a.setUserPermission,
    need: level('MANAGE'),
    request: (f) => ({
      username: 'nobody',
      resource_type: 'experiment',
      resource_id: f.experimentId,
      permission: 'READ',
    }),
  },
  {
    endpoint: a.listResourceGrants,
    need: level('MANAGE'),
    request: (f) => ({ resource_type: 'registered_model', resource_id: f.model }),
  },
  { endpoint: a.createRole, need: { kind: 'admin' }, request: () => ({ workspace: 'default', name: unique('role') }) },
  { endpoint: a.getRole, need: { kind: 'role-holder' }, request: () => ({ role_id: 1 }) },
  { endpoint: a.listRoles, need: { kind: 'role-holder' }, request: () => ({ workspace: 'default' }) },
  { endpoint: a.updateRole, need: { kind: 'admin' }, request: () => ({ role_id: 999, description: 'd' }) },
  { endpoint: a.deleteRole, need: { kind: 'admin' }, request: () => ({ role_id: 999 }) },
  {
    endpoint: a.addRolePermission,
    need: { kind: 'admin' },
    request: () => ({ role_id: 999, resource_type: 'experiment', resource_pattern: '*', permission: 'READ' }),
  },
  { endpoint: a.removeRolePermission, need: { kind: 'admin' }, request: () => ({ role_permission_id: 999 }) },
  { endpoint: a.listRolePermissions, need: { kind: 'role-holder' }, request: () => ({ role_id: 1 }) },
  {
    endpoint: a.updateRolePermission,
    need: { kind: 'admin' },
    request: () => ({ role_permission_id: 999, permission: 'READ' }),
  },
  { endpoint: a.assignRole, need: { kind: 'admin' }, request: () => ({ username: 'nobody', role_id: 999 }) },
  { endpoint: a.unassignRole, need: { kind: 'admin' }, request: () => ({ username: 'nobody', role_id: 999 }) },
  { endpoint: a.listUserRoles, need: { kind: 'self' }, request: (_f, user) => ({ username: user }) },
  { endpoint: a.listRoleUsers, need: { kind: 'admin' }, request: () => ({ role_id: 1 }) },
  { endpoint: a.whoAmI, need: { kind: 'public' }, request: () => ({}) },
  { endpoint: a.signIn, need: { kind: 'public' }, request: () => ({ username: 'reader', password: PASSWORD }) },
  { endpoint: a.signOut, need: { kind: 'signed-in' }, request: () => ({}) },
  { endpoint: a.createToken, need: { kind: 'signed-in' }, request: () => ({ name: 'ci' }) },
  { endpoint: a.listTokens, need: { kind: 'signed-in' }, request: () => ({}) },
  { endpoint: a.revokeToken, need: { kind: 'signed-in' }, request: () => ({ token_id: '0000000000000000' }) },
  { endpoint: a.searchAudit, need: { kind: 'admin' }, request: () => ({}) },
]

const iniPath = join(process.env.TMPDIR ?? '/tmp', `keel-auth-ini-${process.pid}-${Date.now()}.ini`)
beforeAll(async () => {
  writeFileSync(iniPath, '[mlflow]\ndefault_permission = NO_PERMISSIONS\nadmin_username = admin\n')
  server = await startKeelApp({
    args: ['--app-name', 'basic-auth', '--monitor-interval', '0'],
    env: { MLFLOW_AUTH_ADMIN_PASSWORD: ADMIN.password, MLFLOW_AUTH_CONFIG_PATH: iniPath },
  })
  for (const user of ['nobody', 'stranger', 'reader', 'editor', 'manager', 'requester'])
    await asAdmin(a.createUser, { username: user, password: PASSWORD })
  for (const l of ['READ', 'EDIT', 'MANAGE'] as const) {
    const { role } = await asAdmin(a.createRole, { workspace: 'default', name: `${l.toLowerCase()}-everything` })
    for (const type of ['experiment', 'registered_model', 'deployment']) {
      await asAdmin(a.addRolePermission, {
        role_id: role.id,
        resource_type: type,
        resource_pattern: '*',
        permission: l,
      })
    }
    await asAdmin(a.assignRole, { username: LEVEL_USERS[l], role_id: role.id })
    if (l === 'MANAGE') await asAdmin(a.assignRole, { username: 'requester', role_id: role.id })
  }
}, 120_000)

afterAll(async () => {
  await server?.close()
  rmSync(iniPath, { force: true })
})

describe('the permission table', () => {
  it('has a sample here for every row, and a row for every sample', () => {
    const rows = new Set(ROUTE_PERMISSIONS.map(([endpoint]) => endpoint))
    const sampled = new Set(SAMPLES.map((s) => s.endpoint))
    expect([...rows].filter((e) => !sampled.has(e)).map((e) => `${e.method} ${e.path}`)).toEqual([])
    expect([...sampled].filter((e) => !rows.has(e)).map((e) => `${e.method} ${e.path}`)).toEqual([])
  })

  const denied = (res: Res) => res.status === 403 && res.json.error_code === 'PERMISSION_DENIED'
  const passed = (res: Res) => res.status !== 401 && res.status !== 403

  it.each(SAMPLES.map((s) => [`${s.endpoint.method} ${s.endpoint.path}`, s] as const))('%s', async (_name, sample) => {
    const f = await fixture()
    const send = (user?: string) => call(sample.endpoint, sample.request(f, user ?? 'nobody'), user)
    const anonymous = await send()
    if (sample.need.kind === 'public') {
      expect(passed(anonymous), JSON.stringify(anonymous)).toBe(true)
      return
    }
    expect(anonymous.status, JSON.stringify(anonymous.json)).toBe(401)
    expect(anonymous.json.error_code).toBe('UNAUTHENTICATED')
    const need = sample.need
    switch (need.kind) {
      case 'signed-in': {
        const res = await send('nobody')
        expect(passed(res), JSON.stringify(res)).toBe(true)
        break
      }
      case 'admin': {
        const res = await send('manager')
        expect(denied(res), JSON.stringify(res)).toBe(true)
        const admin = await send(ADMIN.username)
        expect(passed(admin), JSON.stringify(admin)).toBe(true)
        break
      }
      case 'self': {
        const own = await send('reader')
        expect(passed(own), JSON.stringify(own)).toBe(true)
        const other = await call(sample.endpoint, sample.request(f, 'editor'), 'reader')
        expect(denied(other), JSON.stringify(other)).toBe(true)
        break
      }
      case 'role-holder': {
        // `stranger` holds no role at all (`nobody` may hold their hidden one, after a direct grant).
        expect(denied(await send('stranger'))).toBe(true)
        const holder = await send('reader')
        expect(passed(holder), JSON.stringify(holder)).toBe(true)
        break
      }
      case 'requester': {
        const other = await send('manager')
        expect(denied(other), JSON.stringify(other)).toBe(true)
        const own = await send('requester')
        expect(passed(own), JSON.stringify(own)).toBe(true)
        break
      }
      case 'level': {
        const below = await send(BELOW[need.level])
        expect(denied(below), `${BELOW[need.level]}: ${JSON.stringify(below)}`).toBe(true)
        const at = await send(LEVEL_USERS[need.level])
        expect(passed(at), `${LEVEL_USERS[need.level]}: ${JSON.stringify(at)}`).toBe(true)
        break
      }
    }
  })
})
