/**
 * The OpenAPI 3.1 document of every RPC route, generated from the same zod schemas that validate
 * requests, plus the artifact routes (raw bodies) described by hand. The request schemas carry the
 * rules the services check themselves (contracts/src/wire/documented.ts), so a request valid by
 * this document is one the server accepts; every status the server answers is documented, each
 * error with MLflow's error body.
 */
import { ARTIFACT_FILE, ARTIFACT_FOLDER, ERROR_CODES } from '@keel/contracts'
import { z } from 'zod'
import type { MountedRoute } from './rpc.js'

type JsonSchema = Record<string, unknown>

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema
  return rest
}

/** MLflow's error body; METHOD_NOT_ALLOWED is keel's 405 (a method the path does not take). */
const errorSchema = {
  type: 'object',
  required: ['error_code', 'message'],
  properties: {
    error_code: { type: 'string', enum: [...ERROR_CODES, 'METHOD_NOT_ALLOWED'] },
    message: { type: 'string' },
  },
}

const ERROR_STATUSES = {
  '400': 'Invalid request: the message names the parameter and the rule',
  '401': 'No credentials, or wrong ones (with --app-name basic-auth); carries WWW-Authenticate on /api',
  '403':
    'Permission denied; or refused by the browser guard (a Host or Origin this server does not answer to, a write in a body type any page can send)',
  '404': 'No such resource (with authentication off, also the user and token routes)',
  '413': 'The upload is larger than --max-artifact-size',
  '503': 'Artifacts are not served (--no-serve-artifacts)',
  '507': 'The upload would leave less free disk than --min-free-disk',
} as const

type ErrorStatus = keyof typeof ERROR_STATUSES

/** The error responses, each defined once under components.responses. */
function errors(...statuses: ErrorStatus[]): Record<string, unknown> {
  return Object.fromEntries(statuses.map((status) => [status, { $ref: `#/components/responses/Error${status}` }]))
}

const components = {
  schemas: { Error: errorSchema },
  responses: Object.fromEntries(
    Object.entries(ERROR_STATUSES).map(([status, description]) => [
      `Error${status}`,
      { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    ]),
  ),
}

/** What every route may answer besides its own 200. */
const RPC_ERRORS = errors('400', '401', '403', '404')

/**
 * The query parameters of a GET route. The document cannot say "one of these is required" of
 * parameters, so it says more: the first alternative of an `anyOf` of required sets is required,
 * and so is a field another one depends on (`dependentRequired`).
 */
function queryParameters(request: JsonSchema, pathParams: readonly string[]): Record<string, unknown>[] {
  const props = (request.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set((request.required as string[] | undefined) ?? [])
  const alternatives = (request.anyOf as { required?: string[] }[] | undefined) ?? []
  for (const name of alternatives[0]?.required ?? []) required.add(name)
  for (const needed of Object.values((request.dependentRequired ?? {}) as Record<string, string[]>)) {
    for (const name of needed) required.add(name)
  }
  return Object.entries(props)
    .filter(([name]) => !pathParams.includes(name))
    .map(([name, schema]) => ({ name, in: 'query', required: required.has(name), schema: asQueryValue(schema) }))
}

/**
 * A query string carries text: an enum is sent by name, not by its proto number (the number form
 * is for JSON bodies), so the number branch of a name-or-number union is left out.
 */
function asQueryValue(schema: JsonSchema): JsonSchema {
  const branches = schema.anyOf as JsonSchema[] | undefined
  if (!branches?.some((b) => b.type === 'string' && Array.isArray(b.enum))) return schema
  return { ...schema, anyOf: branches.filter((b) => b.type !== 'integer') }
}

/**
 * What a response hands to later requests, as OpenAPI links: the stateful phase of a fuzzing run
 * follows them (create an experiment, then start a run in it, log to the run, …), and readers see
 * where an id comes from. Each row: the producing route, the field expressions, the routes taking them.
 */
const LINKS: readonly { from: string; values: Record<string, string>; to: readonly string[] }[] = [
  {
    from: 'POST /mlflow/experiments/create',
    values: { experiment_id: '$response.body#/experiment_id' },
    to: [
      'GET /mlflow/experiments/get',
      'GET /keel/experiments/keys',
      'POST /mlflow/runs/create',
      'POST /mlflow/experiments/set-experiment-tag',
      'POST /mlflow/logged-models',
      'POST /mlflow/experiments/update',
    ],
  },
  {
    from: 'POST /mlflow/runs/create',
    values: { run_id: '$response.body#/run/info/run_id' },
    to: [
      'GET /mlflow/runs/get',
      'POST /mlflow/runs/log-metric',
      'POST /mlflow/runs/log-parameter',
      'POST /mlflow/runs/set-tag',
      'POST /mlflow/runs/log-batch',
      'POST /mlflow/runs/log-inputs',
      'POST /mlflow/runs/update',
      'GET /mlflow/metrics/get-history',
      'GET /mlflow/artifacts/list',
    ],
  },
  {
    from: 'POST /mlflow/logged-models',
    values: { model_id: '$response.body#/model/info/model_id' },
    to: [
      'GET /mlflow/logged-models/{model_id}',
      'PATCH /mlflow/logged-models/{model_id}',
      'PATCH /mlflow/logged-models/{model_id}/tags',
      'POST /mlflow/logged-models/{model_id}/params',
    ],
  },
  {
    from: 'POST /mlflow/registered-models/create',
    values: { name: '$response.body#/registered_model/name' },
    to: [
      'GET /mlflow/registered-models/get',
      'PATCH /mlflow/registered-models/update',
      'POST /mlflow/registered-models/set-tag',
      'POST /mlflow/model-versions/create',
      'POST /keel/registered-models/alias-protections/set',
      'GET /keel/registered-models/alias-protections/list',
    ],
  },
  {
    from: 'POST /mlflow/model-versions/create',
    values: { name: '$response.body#/model_version/name', version: '$response.body#/model_version/version' },
    to: [
      'GET /mlflow/model-versions/get',
      'PATCH /mlflow/model-versions/update',
      'POST /mlflow/model-versions/set-tag',
      'POST /mlflow/model-versions/transition-stage',
      'POST /mlflow/registered-models/alias',
      'GET /keel/model-versions/lineage',
    ],
  },
  {
    from: 'POST /mlflow/users/create',
    values: { username: '$response.body#/user/username' },
    to: [
      'GET /mlflow/users/get',
      'PATCH /mlflow/users/update-admin',
      'POST /mlflow/users/permissions/grant',
      'GET /mlflow/users/permissions/list',
    ],
  },
  {
    from: 'POST /mlflow/roles/create',
    values: { role_id: '$response.body#/role/id' },
    to: ['GET /mlflow/roles/get', 'POST /mlflow/roles/permissions/add', 'POST /mlflow/roles/assign'],
  },
  ...[
    'POST /mlflow/experiments/search',
    'POST /mlflow/runs/search',
    'GET /mlflow/registered-models/search',
    'GET /mlflow/model-versions/search',
  ].map((search) => ({
    from: search,
    values: { page_token: '$response.body#/next_page_token' },
    to: [search],
  })),
]

/** The links of one route's 200 response, to the routes the document has. */
function linksOf(
  from: string,
  mounted: ReadonlyMap<string, { id: string; inBody: boolean }>,
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {}
  for (const link of LINKS.filter((l) => l.from === from)) {
    for (const to of link.to) {
      const target = mounted.get(to)
      if (!target) continue
      const name = target.id.charAt(0).toUpperCase() + target.id.slice(1)
      out[name] = target.inBody
        ? { operationId: target.id, requestBody: link.values }
        : { operationId: target.id, parameters: link.values }
    }
  }
  return Object.keys(out).length > 0 ? out : undefined
}

const operationId = (method: string, path: string) =>
  `${method.toLowerCase()}${path.replace(/[^a-zA-Z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`

function rpcPaths(routes: readonly MountedRoute[]): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {}
  const mounted = new Map<string, { id: string; inBody: boolean }>()
  for (const { endpoint, methods } of routes) {
    const hasPathParams = endpoint.path.includes('{')
    for (const method of methods)
      mounted.set(`${method} ${endpoint.path}`, {
        id: operationId(method, endpoint.path),
        inBody: method !== 'GET' && !hasPathParams,
      })
  }
  for (const { endpoint, methods } of routes) {
    const path = `/api/${endpoint.major}.0${endpoint.path}`
    const request = toSchema(endpoint.request, 'input')
    const props = (request.properties ?? {}) as Record<string, JsonSchema>
    const pathParams = [...endpoint.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)
    for (const method of methods) {
      const links = linksOf(`${method} ${endpoint.path}`, mounted)
      const operation: Record<string, unknown> = {
        summary: endpoint.summary,
        operationId: operationId(method, endpoint.path),
        responses: {
          '200': {
            description: 'OK',
            content: { 'application/json': { schema: toSchema(endpoint.response, 'input') } },
            ...(links && { links }),
          },
          ...RPC_ERRORS,
        },
      }
      const parameters = pathParams.map((name) => ({
        name,
        in: 'path',
        required: true,
        schema: { ...(props[name] ?? { type: 'string' }), minLength: 1 },
      }))
      if (method === 'GET') {
        parameters.push(...(queryParameters(request, pathParams) as typeof parameters))
      } else {
        const body: JsonSchema = {
          ...request,
          properties: Object.fromEntries(Object.entries(props).filter(([name]) => !pathParams.includes(name))),
        }
        if (Array.isArray(body.required))
          body.required = (body.required as string[]).filter((name) => !pathParams.includes(name))
        operation.requestBody = { required: true, content: { 'application/json': { schema: body } } }
      }
      if (parameters.length > 0) operation.parameters = parameters
      paths[path] = { ...paths[path], [method.toLowerCase()]: operation }
    }
  }
  return paths
}

/** The types a download is served as (artifact-routes.ts picks one by the file's extension). */
const DOWNLOAD_TYPES = [
  'application/octet-stream',
  'application/json',
  'text/plain; charset=utf-8',
  'text/csv; charset=utf-8',
  'image/png',
  'image/jpeg',
  'image/gif',
]

function artifactPaths(): Record<string, Record<string, unknown>> {
  const pathParam = [{ name: 'path', in: 'path', required: true, schema: { type: 'string', pattern: ARTIFACT_FILE } }]
  const empty = {
    description: 'Done',
    content: { 'application/json': { schema: { type: 'object', additionalProperties: false } } },
  }
  const fileInfo = {
    type: 'object',
    required: ['path', 'is_dir'],
    properties: { path: { type: 'string' }, is_dir: { type: 'boolean' }, file_size: { type: 'integer', minimum: 0 } },
  }
  const artifactErrors = errors('400', '401', '403', '404', '503')
  return {
    '/api/2.0/mlflow-artifacts/artifacts/{path}': {
      get: {
        summary: 'Download an artifact (streamed)',
        operationId: 'getArtifact',
        parameters: pathParam,
        responses: {
          '200': {
            description: 'The file',
            content: Object.fromEntries(
              DOWNLOAD_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
            ),
          },
          ...artifactErrors,
        },
      },
      put: {
        summary: 'Upload an artifact (streamed)',
        operationId: 'putArtifact',
        parameters: pathParam,
        requestBody: {
          required: true,
          content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        },
        responses: { '200': empty, ...artifactErrors, ...errors('413', '507') },
      },
      delete: {
        summary: 'Delete an artifact or folder',
        operationId: 'deleteArtifact',
        parameters: pathParam,
        responses: { '200': empty, ...artifactErrors },
      },
    },
    '/api/2.0/mlflow-artifacts/artifacts': {
      get: {
        summary: 'List a folder of artifacts (basename paths)',
        operationId: 'listArtifactFolder',
        parameters: [
          { name: 'path', in: 'query', required: false, schema: { type: 'string', pattern: ARTIFACT_FOLDER } },
        ],
        responses: {
          '200': {
            description: 'Files (no files: an empty object)',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  properties: { files: { type: 'array', items: fileInfo } },
                },
              },
            },
          },
          ...artifactErrors,
        },
      },
    },
  }
}

export function buildOpenApi(routes: readonly MountedRoute[], version: string): Record<string, unknown> {
  const text = (description: string) => ({
    description,
    content: { 'text/plain; charset=UTF-8': { schema: { type: 'string' } } },
  })
  const paths = {
    ...rpcPaths(routes),
    ...artifactPaths(),
    '/health': {
      get: { summary: 'Liveness', operationId: 'getHealth', responses: { '200': text('OK'), ...errors('403') } },
    },
    '/ready': {
      get: {
        summary: 'Readiness: 503 naming what is down (the job queue)',
        operationId: 'getReady',
        responses: { '200': text('OK'), '503': text('not ready: what is down'), ...errors('403') },
      },
    },
    '/version': {
      get: {
        summary:
          "The MLflow version whose API keel implements, as an MLflow server answers; keel's own in the X-Keel-Version header",
        operationId: 'getVersion',
        responses: { '200': text('The MLflow version, e.g. 3.17.2'), ...errors('403') },
      },
    },
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'keel',
      version,
      description: "keel's REST API: MLflow's tracking protocol and keel's own routes (also served under /ajax-api)",
    },
    paths,
    components,
  }
}
