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
  properties: { error_code: { type: 'string', enum: [...ERROR_CODES, 'METHOD_NOT_ALLOWED'] }, message: { type: 'string' } },
}

const ERROR_STATUSES = {
  '400': 'Invalid request: the message names the parameter and the rule',
  '401': 'No credentials, or wrong ones (with --app-name basic-auth); carries WWW-Authenticate on /api',
  '403': "Permission denied; or refused by the browser guard (a Host or Origin this server does not answer to, a write in a body type any page can send)",
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

const operationId = (method: string, path: string) =>
  `${method.toLowerCase()}${path.replace(/[^a-zA-Z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`

function rpcPaths(routes: readonly MountedRoute[]): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const { endpoint, methods } of routes) {
    const path = `/api/${endpoint.major}.0${endpoint.path}`
    const request = toSchema(endpoint.request, 'input')
    const props = (request.properties ?? {}) as Record<string, JsonSchema>
    const pathParams = [...endpoint.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)
    for (const method of methods) {
      const operation: Record<string, unknown> = {
        summary: endpoint.summary,
        operationId: operationId(method, endpoint.path),
        responses: {
          '200': { description: 'OK', content: { 'application/json': { schema: toSchema(endpoint.response, 'input') } } },
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
        const body: JsonSchema = { ...request, properties: Object.fromEntries(Object.entries(props).filter(([name]) => !pathParams.includes(name))) }
        if (Array.isArray(body.required)) body.required = (body.required as string[]).filter((name) => !pathParams.includes(name))
        operation.requestBody = { required: true, content: { 'application/json': { schema: body } } }
      }
      if (parameters.length > 0) operation.parameters = parameters
      ;(paths[path] ??= {})[method.toLowerCase()] = operation
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
  const empty = { description: 'Done', content: { 'application/json': { schema: { type: 'object', additionalProperties: false } } } }
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
          '200': { description: 'The file', content: Object.fromEntries(DOWNLOAD_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])) },
          ...artifactErrors,
        },
      },
      put: {
        summary: 'Upload an artifact (streamed)',
        operationId: 'putArtifact',
        parameters: pathParam,
        requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
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
        parameters: [{ name: 'path', in: 'query', required: false, schema: { type: 'string', pattern: ARTIFACT_FOLDER } }],
        responses: {
          '200': {
            description: 'Files (no files: an empty object)',
            content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: { files: { type: 'array', items: fileInfo } } } } },
          },
          ...artifactErrors,
        },
      },
    },
  }
}

export function buildOpenApi(routes: readonly MountedRoute[], version: string): Record<string, unknown> {
  const text = (description: string) => ({ description, content: { 'text/plain; charset=UTF-8': { schema: { type: 'string' } } } })
  const paths = {
    ...rpcPaths(routes),
    ...artifactPaths(),
    '/health': { get: { summary: 'Liveness', operationId: 'getHealth', responses: { '200': text('OK'), ...errors('403') } } },
    '/version': { get: { summary: 'Server version', operationId: 'getVersion', responses: { '200': text('Version'), ...errors('403') } } },
  }
  return {
    openapi: '3.1.0',
    info: { title: 'keel', version, description: "keel's REST API: MLflow's tracking protocol and keel's own routes (also served under /ajax-api)" },
    paths,
    components,
  }
}
