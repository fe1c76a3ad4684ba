/**
 * THE table of who may call what: every RPC of the REST API with the permission it needs (MLflow's
 * basic-auth validators, mlflow/server/auth/__init__.py, for MLflow's routes; keel's own routes
 * the same way). The router refuses to mount a route that has no row, docs/permissions.md is
 * generated from it, and test/route-permissions.test.ts checks every row on a real store.
 *
 * Runs and logged models follow their experiment; versions, aliases and lineage their registered
 * model; prediction logs and monitors their deployment. Deleting needs MANAGE, as in MLflow.
 * The work queue's jobs are the server's own background work (monitors' windows, alerts'
 * deliveries) across every deployment: reading them needs READ on every deployment, cancelling
 * one MANAGE on every deployment (admins have both).
 */
import {
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
  type Endpoint,
  type RequestOf,
  type ResponseOf,
} from '@keel/contracts'
import { normalizeArtifactPath } from '../artifacts/safe-path.js'
import { GET_ARTIFACT_RUN_PARAMS } from '../tracking/get-artifact-route.js'
import { parseResourceType } from './permissions.js'
import {
  type CheckContext,
  type Requirement,
  type ResourceLocator,
  admin,
  allOf,
  custom,
  on,
  publicRoute,
  signedIn,
} from './requirements.js'

type Row = readonly [Endpoint, Requirement]

function row<E extends Endpoint>(endpoint: E, requirement: Requirement<RequestOf<E>, ResponseOf<E>>): Row {
  return [endpoint, requirement as Requirement]
}

const runIdOf = (r: { run_id?: string | undefined; run_uuid?: string | undefined }) => r.run_id || r.run_uuid
const experimentOfRun = (r: { run_id?: string | undefined; run_uuid?: string | undefined }, locate: ResourceLocator) =>
  runIdOf(r) === undefined ? [] : locate.experimentOfRun(runIdOf(r)!).then((id) => [id])
const experimentOfModel = (r: { model_id: string }, locate: ResourceLocator) =>
  locate.experimentOfLoggedModel(r.model_id).then((id) => [id])
const experimentOfTrace = (traceId: string, locate: ResourceLocator) =>
  locate.experimentOfTrace(traceId).then((id) => [id])
const deploymentOfMonitor = (r: { monitor_id: string }, locate: ResourceLocator) =>
  locate.deploymentOfMonitor(r.monitor_id).then((d) => [d])

const experiment = (action: Parameters<typeof on>[1]) =>
  on<{ experiment_id: string }>('experiment', action, 'the {type}', (r) => [r.experiment_id], {
    resource: (r) => ({ experiment: r.experiment_id }),
  })
const run = (action: Parameters<typeof on>[1]) =>
  on<{ run_id?: string | undefined; run_uuid?: string | undefined }>(
    'experiment',
    action,
    "the run's {type}",
    experimentOfRun,
    {
      resource: (r) => (runIdOf(r) ? { run: runIdOf(r)! } : undefined),
    },
  )
const loggedModel = (action: Parameters<typeof on>[1]) =>
  on<{ model_id: string }>('experiment', action, "the logged model's {type}", experimentOfModel, {
    resource: (r) => ({ logged_model: r.model_id }),
  })
const model = (action: Parameters<typeof on>[1]) =>
  on<{ name: string }>('registered_model', action, 'the {type}', (r) => [r.name], {
    resource: (r) => ({ registered_model: r.name }),
  })
const monitor = (action: Parameters<typeof on>[1]) =>
  on<{ monitor_id: string }>('deployment', action, "the monitor's {type}", deploymentOfMonitor, {
    resource: (r) => ({ monitor: r.monitor_id }),
  })

/** Traces follow their experiment; a trace that is not there answers 404 from the route. */
const trace = (action: Parameters<typeof on>[1]) =>
  on<{ trace_id: string }>(
    'experiment',
    action,
    "the trace's {type}",
    (r, locate) => experimentOfTrace(r.trace_id, locate),
    {
      resource: (r) => ({ trace: r.trace_id }),
    },
  )
const traceV2 = (action: Parameters<typeof on>[1]) =>
  on<{ request_id: string }>(
    'experiment',
    action,
    "the trace's {type}",
    (r, locate) => experimentOfTrace(r.request_id, locate),
    { resource: (r) => ({ trace: r.request_id }) },
  )

/** The work queue is operator-level: its jobs serve every deployment. */
const jobsReader = on<unknown>('deployment', 'read', 'every {type} (`*`: jobs serve them all)', () => ['*'])
const jobsManager = on<{ job_id: string }>(
  'deployment',
  'manage',
  'every {type} (`*`: jobs serve them all)',
  () => ['*'],
  {
    resource: (r) => ({ job: r.job_id }),
  },
)

/** Searches run for any signed-in user and show only what the caller may read. */
const search = signedIn(false, 'signed in; shows only what the caller may READ')

/** The creator of a resource manages it. */
function creates<Req, Res>(
  type: 'experiment' | 'registered_model',
  idOf: (response: Res) => string,
  requestedId?: (request: Req) => string,
): Requirement<Req, Res> {
  return custom<Req, Res>(
    `signed in, not denied creating ${type === 'experiment' ? 'an experiment' : 'a registered model (or one of that name)'}; the creator gets MANAGE`,
    true,
    (r, ctx) => ctx.needCreate(type, requestedId?.(r)),
    { after: (_r, response, ctx) => ctx.created(type, idOf(response)) },
  )
}

/** A resource's access list is for those who may change it: MANAGE on it (on `*`: admins or workspace admins). */
const grantViewer = custom<{ resource_type: string; resource_id: string }>(
  'MANAGE on the resource (on every resource, `*`: admins or workspace admins)',
  false,
  async (req, ctx) => {
    const type = parseResourceType(req.resource_type)
    if (type === 'workspace') return ctx.needAdmin()
    if (req.resource_id === '*') return ctx.needWorkspaceAdmin()
    await ctx.need(type, req.resource_id, 'manage')
  },
)

const selfOrAdmin = custom<{ username?: string | undefined }>(
  'the user themselves, or an admin',
  false,
  async (r, ctx) => {
    if (r.username !== ctx.principal.username) ctx.needAdmin()
  },
)

/** MLflow's validate_can_view_roles: admins, workspace admins, or users holding a role. */
const roleViewer = custom<unknown>('admin, or a holder of a role', false, (_r, ctx) => ctx.needRoleHolder())
const roleManager = custom<unknown>('admin or workspace admin', true, (_r, ctx) => ctx.needWorkspaceAdmin())
/** The same check on a read (not audited). */
const roleManagerReads = custom<unknown>('admin or workspace admin', false, (_r, ctx) => ctx.needWorkspaceAdmin())

/**
 * Grants on a resource need MANAGE on it; on every resource of a type (`*`), an admin or workspace
 * admin, as the role API (MLflow's validate_can_manage_resource).
 */
const grantManager = custom<{ resource_type: string; resource_id: string; username: string }>(
  'MANAGE on the resource (on every resource, `*`: admins or workspace admins)',
  true,
  async (req, ctx) => {
    const type = parseResourceType(req.resource_type)
    if (type === 'workspace') return ctx.needAdmin()
    if (req.resource_id === '*') return ctx.needWorkspaceAdmin()
    await ctx.need(type, req.resource_id, 'manage')
  },
  { resource: (req) => ({ user: req.username, [req.resource_type]: req.resource_id }) },
)

/** Deciding a change request: MANAGE on its model (the service refuses the requester). */
const aliasRequest = on<{ request_id: string }>(
  'registered_model',
  'manage',
  "the request's {type} (the requester may not decide)",
  async (req, locate) => [await locate.modelOfAliasRequest(req.request_id)],
  { resource: (req) => ({ alias_request: req.request_id }) },
)

const t = trackingApi
const tr = tracingApi
const aa = aliasApprovalsApi
const r = registryApi
const p = keelPredictionsApi
const m = keelMonitorsApi
const a = authApi

export const ROUTE_PERMISSIONS: readonly Row[] = [
  // ---- experiments ----
  row(
    t.createExperiment,
    creates('experiment', (res) => res.experiment_id),
  ),
  row(t.getExperiment, experiment('read')),
  row(
    t.getExperimentByName,
    on(
      'experiment',
      'read',
      'the {type}',
      async (req, locate) => [await locate.experimentIdByName(req.experiment_name)],
      {
        resource: (req) => ({ experiment_name: req.experiment_name }),
      },
    ),
  ),
  row(t.searchExperiments, search),
  row(t.deleteExperiment, experiment('delete')),
  row(t.restoreExperiment, experiment('delete')),
  row(t.updateExperiment, experiment('update')),
  row(t.setExperimentTag, experiment('update')),
  row(t.deleteExperimentTag, experiment('update')),
  row(keelTrackingApi.getExperimentKeys, experiment('read')),

  // ---- runs ----
  row(
    t.createRun,
    on('experiment', 'update', 'the {type}', (req) => [req.experiment_id ?? '0'], {
      resource: (req) => ({ experiment: req.experiment_id ?? '0' }),
    }),
  ),
  row(t.getRun, run('read')),
  row(t.updateRun, run('update')),
  row(t.deleteRun, run('delete')),
  row(t.restoreRun, run('delete')),
  row(t.searchRuns, search),
  row(t.logMetric, run('update')),
  row(t.logParam, run('update')),
  row(t.setTag, run('update')),
  row(t.deleteTag, run('update')),
  row(t.logBatch, run('update')),
  row(t.logInputs, run('update')),
  row(t.logOutputs, run('update')),
  row(t.logModel, run('update')),
  row(t.getMetricHistory, run('read')),
  row(
    t.getMetricHistoryBulkInterval,
    on('experiment', 'read', "each run's {type}", (req, locate) =>
      Promise.all(req.run_ids.map((id) => locate.experimentOfRun(id))),
    ),
  ),
  row(t.listArtifacts, run('read')),

  // ---- logged models ----
  row(t.createLoggedModel, experiment('update')),
  row(t.getLoggedModel, loggedModel('read')),
  row(t.listLoggedModelArtifacts, loggedModel('read')),
  row(t.finalizeLoggedModel, loggedModel('update')),
  row(t.setLoggedModelTags, loggedModel('update')),
  row(t.logLoggedModelParams, loggedModel('update')),
  row(t.deleteLoggedModel, loggedModel('delete')),
  row(t.deleteLoggedModelTag, loggedModel('delete')),
  row(t.searchLoggedModels, search),
  row(t.serverInfo, publicRoute),

  // ---- traces ----
  row(
    tr.startTraceV3,
    on<{
      trace: {
        trace_info: { trace_location?: { mlflow_experiment?: { experiment_id: string } | undefined } | undefined }
      }
    }>(
      'experiment',
      'update',
      'the {type} (`trace_location.mlflow_experiment.experiment_id`)',
      (r) => [r.trace.trace_info.trace_location?.mlflow_experiment?.experiment_id],
      {
        resource: (r) => {
          const id = r.trace.trace_info.trace_location?.mlflow_experiment?.experiment_id
          return id === undefined ? undefined : { experiment: id }
        },
      },
    ),
  ),
  row(tr.getTrace, trace('read')),
  row(tr.getTraceInfoV3, trace('read')),
  row(tr.batchGetTraces, search),
  row(tr.batchGetTraceInfos, search),
  row(tr.searchTracesV3, search),
  row(tr.deleteTracesV3, experiment('delete')),
  row(tr.setTraceTagV3, trace('update')),
  row(tr.deleteTraceTagV3, trace('delete')),
  row(tr.createAssessment, trace('update')),
  row(tr.getAssessment, trace('read')),
  row(tr.updateAssessment, trace('update')),
  row(tr.deleteAssessment, trace('delete')),
  row(tr.startTraceV2, experiment('update')),
  row(tr.endTraceV2, traceV2('update')),
  row(tr.getTraceInfoV2, traceV2('read')),
  row(tr.searchTracesV2, search),
  row(tr.deleteTracesV2, experiment('delete')),
  row(tr.setTraceTagV2, traceV2('update')),
  row(tr.deleteTraceTagV2, traceV2('delete')),
  row(tr.linkTracesToRun, run('update')),

  // ---- registry ----
  row(
    r.createRegisteredModel,
    creates(
      'registered_model',
      (res) => res.registered_model.name,
      (req) => req.name,
    ),
  ),
  row(r.getRegisteredModel, model('read')),
  row(
    r.renameRegisteredModel,
    allOf<{ name: string; new_name: string }>(
      'EDIT on the registered model; its grants follow the new name',
      model('update'),
      custom('', true, async () => {}, {
        after: (req, _res, ctx) => ctx.renamed('registered_model', req.name, req.new_name),
      }),
    ),
  ),
  row(r.updateRegisteredModel, model('update')),
  row(
    r.deleteRegisteredModel,
    allOf<{ name: string }>(
      'MANAGE on the registered model; its grants go with it',
      model('delete'),
      custom('', true, async () => {}, { after: (req, _res, ctx) => ctx.deleted('registered_model', req.name) }),
    ),
  ),
  row(r.searchRegisteredModels, search),
  row(r.getLatestVersions, model('read')),
  row(r.setRegisteredModelTag, model('update')),
  row(r.deleteRegisteredModelTag, model('update')),
  row(
    r.setRegisteredModelAlias,
    custom<{ name: string; alias: string }>(
      'EDIT on the registered model; MANAGE when the alias is protected',
      true,
      async (req, ctx) =>
        ctx.need(
          'registered_model',
          req.name,
          (await ctx.locate.isProtectedAlias(req.name, req.alias)) ? 'manage' : 'update',
        ),
      { resource: (req) => ({ registered_model: req.name, alias: req.alias }) },
    ),
  ),
  row(r.deleteRegisteredModelAlias, model('delete')),
  row(r.getModelVersionByAlias, model('read')),
  row(
    r.createModelVersion,
    allOf<{ name: string; run_id?: string | undefined }>(
      "EDIT on the registered model, and READ on the source run's experiment",
      model('update'),
      on('experiment', 'read', '', async (req, locate) =>
        req.run_id ? [await locate.experimentOfRun(req.run_id)] : [],
      ),
    ),
  ),
  row(r.getModelVersion, model('read')),
  row(r.getModelVersionDownloadUri, model('read')),
  row(r.updateModelVersion, model('update')),
  row(r.transitionModelVersionStage, model('update')),
  row(r.setModelVersionTag, model('update')),
  row(r.deleteModelVersion, model('delete')),
  row(r.deleteModelVersionTag, model('delete')),
  row(r.searchModelVersions, search),
  row(r.searchRegistryEvents, search),
  row(r.getModelVersionLineage, model('read')),
  row(aa.setAliasProtection, model('manage')),
  row(aa.deleteAliasProtection, model('manage')),
  row(aa.listAliasProtections, model('read')),
  row(aa.createAliasRequest, model('manage')),
  row(aa.approveAliasRequest, aliasRequest),
  row(aa.rejectAliasRequest, aliasRequest),
  row(aa.cancelAliasRequest, signedIn(true, 'the requester')),
  row(
    aa.listAliasRequests,
    custom<{ name?: string | undefined }>(
      'READ on the registered model; without one, shows only readable models',
      false,
      async (req, ctx) => {
        if (req.name !== undefined) await ctx.need('registered_model', req.name, 'read')
      },
    ),
  ),

  // ---- the prediction log ----
  row(
    p.logPredictions,
    on<{ deployment?: string | undefined; records: readonly { deployment: string }[] }>(
      'deployment',
      'update',
      "each record's {type}",
      (req) => [
        ...new Set([
          ...(req.deployment === undefined ? [] : [req.deployment]),
          ...req.records.map((x) => x.deployment),
        ]),
      ],
    ),
  ),
  row(
    p.searchPredictions,
    custom<{ deployment?: string | undefined }>(
      'READ on the deployment (naming one is required unless every deployment is readable)',
      false,
      async (req, ctx) => {
        if (req.deployment !== undefined) await ctx.need('deployment', req.deployment, 'read')
        else await ctx.need('deployment', '*', 'read')
      },
    ),
  ),
  row(p.getPrediction, signedIn(false, 'signed in; shows only the records of deployments the caller may READ')),
  row(
    p.postLabels,
    custom<{ labels: readonly { request_id: string }[] }>(
      'EDIT on the deployments that logged the labelled requests (on every deployment, for requests not logged yet)',
      true,
      async (req, ctx) => {
        const { deployments, unknown } = await ctx.locate.deploymentsOfRequests([
          ...new Set(req.labels.map((l) => l.request_id)),
        ])
        for (const d of deployments) await ctx.need('deployment', d, 'update')
        if (unknown > 0) await ctx.need('deployment', '*', 'update')
      },
    ),
  ),
  row(p.listPredictionDeployments, search),

  // ---- monitoring ----
  row(
    keelMonitoringApi.driftReport,
    custom<{ reference: { uri?: string | undefined }; current: { uri?: string | undefined } }>(
      'signed in; READ on the experiment of each artifact URI read',
      false,
      async (req, ctx) => {
        for (const uri of [req.reference.uri, req.current.uri]) {
          if (uri === undefined) continue
          const runId = /^runs:\/([^/]+)\//.exec(uri)?.[1]
          const experimentId =
            runId !== undefined
              ? await ctx.locate.experimentOfRun(runId)
              : /^mlflow-artifacts:\/*(\d+)\//.exec(uri)?.[1]
          if (experimentId !== undefined) await ctx.need('experiment', experimentId, 'read')
          else if (runId === undefined) ctx.needAdmin()
        }
      },
    ),
  ),
  row(
    m.createMonitor,
    on<{ deployment: string }>('deployment', 'update', 'the {type}', (req) => [req.deployment], {
      resource: (req) => ({ deployment: req.deployment }),
    }),
  ),
  row(
    m.listMonitors,
    custom<{ deployment?: string | undefined }>(
      'READ on the deployment; without one, shows only readable deployments',
      false,
      async (req, ctx) => {
        if (req.deployment !== undefined) await ctx.need('deployment', req.deployment, 'read')
      },
    ),
  ),
  row(m.getMonitor, monitor('read')),
  row(m.updateMonitor, monitor('update')),
  row(m.deleteMonitor, monitor('delete')),
  row(m.runMonitor, monitor('update')),
  row(m.listWindows, monitor('read')),
  row(m.getPerformance, monitor('read')),
  row(m.getProfile, monitor('read')),
  row(
    m.listAlerts,
    custom<{ monitor_id?: string | undefined; deployment?: string | undefined }>(
      'READ on the deployment (of the monitor)',
      false,
      async (req, ctx) => {
        if (req.monitor_id !== undefined) {
          const deployment = await ctx.locate.deploymentOfMonitor(req.monitor_id)
          if (deployment !== undefined) await ctx.need('deployment', deployment, 'read')
        }
        if (req.deployment !== undefined) await ctx.need('deployment', req.deployment, 'read')
        if (req.monitor_id === undefined && req.deployment === undefined) await ctx.need('deployment', '*', 'read')
      },
    ),
  ),

  // ---- the work queue ----
  row(keelJobsApi.listJobs, jobsReader),
  row(keelJobsApi.getJob, jobsReader),
  row(keelJobsApi.cancelJob, jobsManager),

  // ---- users, permissions and roles (MLflow's basic-auth API) ----
  row(a.createUser, admin),
  row(a.getUser, selfOrAdmin),
  row(a.listUsers, signedIn(false)),
  row(a.currentUser, signedIn(false)),
  row(
    a.updateUserPassword,
    custom<{ username: string }>(
      'the user themselves (with the current password), or an admin',
      true,
      async (req, ctx) => {
        if (req.username !== ctx.principal.username) ctx.needAdmin()
      },
    ),
  ),
  row(a.updateUserAdmin, admin),
  row(a.deleteUser, admin),
  row(a.listCurrentUserPermissions, signedIn(false)),
  row(a.listUserPermissions, selfOrAdmin),
  row(a.grantUserPermission, grantManager),
  row(a.revokeUserPermission, grantManager),
  row(a.getUserPermission, selfOrAdmin),
  row(a.setUserPermission, grantManager),
  row(a.listResourceGrants, grantViewer),
  row(a.createRole, roleManager),
  row(a.getRole, roleViewer),
  row(a.listRoles, roleViewer),
  row(a.updateRole, roleManager),
  row(a.deleteRole, roleManager),
  row(a.addRolePermission, roleManager),
  row(a.removeRolePermission, roleManager),
  row(a.listRolePermissions, roleViewer),
  row(a.updateRolePermission, roleManager),
  row(a.assignRole, roleManager),
  row(a.unassignRole, roleManager),
  row(a.listUserRoles, selfOrAdmin),
  row(a.listRoleUsers, roleManagerReads),

  // ---- keel's sign-in, tokens and audit log ----
  row(a.whoAmI, publicRoute),
  row(a.signIn, { ...publicRoute, describe: 'public (checks the password)', write: true }),
  row(a.signOut, signedIn(true)),
  row(a.createToken, signedIn(true, 'signed in (a token for themselves)')),
  row(
    a.listTokens,
    custom<{ username?: string | undefined }>(
      "signed in (their own tokens; another user's: admins)",
      false,
      async (req, ctx) => {
        if (req.username !== undefined && req.username !== ctx.principal.username) ctx.needAdmin()
      },
    ),
  ),
  row(a.revokeToken, signedIn(true, 'signed in (their own tokens; any: admins)')),
  row(a.searchAudit, { ...admin, write: false }),
]

export const PERMISSION_TABLE: ReadonlyMap<Endpoint, Requirement> = new Map(ROUTE_PERMISSIONS)

/**
 * The routes that are not RPCs of the endpoint tables (files, the UI, probes), by method and path
 * pattern (`*` matches the rest). The same rule: the app refuses to start with a route that
 * matches no row here or in the table above.
 */
export interface RawRoute {
  readonly method: string
  readonly path: string
  readonly describe: string
  readonly public?: boolean
  /** The query parameter naming the target, for routes without a `*` (the first one present). */
  readonly targetFromQuery?: string | readonly string[]
  /** The request header naming the target, for routes whose target travels in a header. */
  readonly targetFromHeader?: string
  /** Checks the request; `path` is the decoded path after the pattern's `*` (or the query's `path`). */
  check?(target: string, ctx: CheckContext): Promise<void>
}

/**
 * `<experiment id>/…` under the proxied artifact root: the experiment's permission. The path is
 * decoded and normalised as the artifact routes do (a `..` segment is refused), so the experiment
 * checked is the one whose files are read or written.
 */
function artifactAccess(action: 'read' | 'update' | 'delete'): (target: string, ctx: CheckContext) => Promise<void> {
  return async (target, ctx) => {
    let normalized: string
    try {
      normalized = normalizeArtifactPath(target.split('/').map(decodeURIComponent).join('/'))
    } catch {
      return ctx.needAdmin()
    }
    const experimentId = /^(\d+)(\/|$)/.exec(normalized)?.[1]
    if (experimentId === undefined) return ctx.needAdmin()
    await ctx.need('experiment', experimentId, action)
  }
}

const artifacts = (prefix: string): RawRoute[] => [
  {
    method: 'GET',
    path: `${prefix}/mlflow-artifacts/artifacts`,
    describe: 'READ on the experiment of the folder listed (`?path=`; the root: admins)',
    targetFromQuery: 'path',
    check: artifactAccess('read'),
  },
  {
    method: 'GET',
    path: `${prefix}/mlflow-artifacts/artifacts/*`,
    describe: "READ on the artifact's experiment",
    check: artifactAccess('read'),
  },
  {
    method: 'HEAD',
    path: `${prefix}/mlflow-artifacts/artifacts/*`,
    describe: "READ on the artifact's experiment",
    check: artifactAccess('read'),
  },
  {
    method: 'PUT',
    path: `${prefix}/mlflow-artifacts/artifacts/*`,
    describe: "EDIT on the artifact's experiment",
    check: artifactAccess('update'),
  },
  {
    method: 'DELETE',
    path: `${prefix}/mlflow-artifacts/artifacts/*`,
    describe: "MANAGE on the artifact's experiment",
    check: artifactAccess('delete'),
  },
  // Multipart uploads: create, complete and abort name the folder uploaded to (the root: admins).
  ...['create', 'complete', 'abort'].flatMap((step): RawRoute[] => [
    {
      method: 'POST',
      path: `${prefix}/mlflow-artifacts/mpu/${step}`,
      describe: 'admins (a multipart upload to the artifact root)',
      check: artifactAccess('update'),
    },
    {
      method: 'POST',
      path: `${prefix}/mlflow-artifacts/mpu/${step}/*`,
      describe: "EDIT on the experiment of the folder uploaded to (MLflow's multipart upload)",
      check: artifactAccess('update'),
    },
  ]),
  {
    method: 'PUT',
    path: `${prefix}/mlflow-artifacts/mpu/part/*`,
    describe:
      'public: the part URL mpu/create returned carries its token, as an S3 presigned URL does (local artifact folder)',
    public: true,
  },
  {
    method: '*',
    path: `${prefix}/mlflow-artifacts/mpu/*`,
    describe: 'signed in (anything else: 404)',
  },
  {
    method: 'GET',
    path: `${prefix}/mlflow-artifacts/presigned/*`,
    describe: "READ on the artifact's experiment (a presigned S3 URL; 501 on a local folder, as MLflow)",
    check: artifactAccess('read'),
  },
  {
    method: '*',
    path: `${prefix}/mlflow-artifacts/*`,
    describe: 'signed in (anything else: 404, or 503 with --no-serve-artifacts)',
  },
]

export const RAW_ROUTES: readonly RawRoute[] = [
  { method: 'GET', path: '/health', describe: 'public', public: true },
  {
    method: 'GET',
    path: '/ready',
    describe: 'public (503 naming what is down: the backend store, the job queue)',
    public: true,
  },
  { method: 'GET', path: '/openapi.json', describe: 'public', public: true },
  { method: 'GET', path: '/version', describe: 'signed in' },
  {
    method: 'GET',
    path: '/get-artifact',
    describe: "READ on the run's experiment (`?run_id=` or `?run_uuid=`)",
    targetFromQuery: GET_ARTIFACT_RUN_PARAMS,
    check: async (runId, ctx) => {
      const experimentId = runId === '' ? undefined : await ctx.locate.experimentOfRun(runId)
      // A run that is not there: the route answers 404 (an admin-only check would say 403).
      if (experimentId !== undefined) await ctx.need('experiment', experimentId, 'read')
    },
  },
  {
    method: 'POST',
    path: '/v1/traces',
    describe: 'UPDATE on the experiment the `x-mlflow-experiment-id` header names (OTLP spans)',
    targetFromHeader: 'x-mlflow-experiment-id',
    check: async (experimentId, ctx) => {
      // No header: the route answers 400 naming it.
      if (experimentId !== '') await ctx.need('experiment', experimentId, 'update')
    },
  },
  ...artifacts('/api/2.0'),
  ...artifacts('/ajax-api/2.0'),
  // The web UI's files carry no data: its pages sign in, then read through the API.
  { method: 'GET', path: '/*', describe: 'public (the web UI)', public: true },
  { method: 'HEAD', path: '/*', describe: 'public (the web UI)', public: true },
]

/** The raw route a request matches (the most specific pattern first), if any. */
export function rawRouteOf(method: string, path: string): { route: RawRoute; target: string } | undefined {
  for (const route of RAW_ROUTES) {
    if (route.method !== '*' && route.method !== method) continue
    if (route.path.endsWith('/*')) {
      const base = route.path.slice(0, -2)
      if (base !== '' && !path.startsWith(`${base}/`)) continue
      if (base === '' && (path.startsWith('/api/') || path.startsWith('/ajax-api/'))) continue
      return { route, target: path.slice(base.length + 1) }
    }
    if (route.path === path) return { route, target: '' }
  }
  return undefined
}
