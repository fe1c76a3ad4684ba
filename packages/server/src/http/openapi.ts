/**
 * The OpenAPI 3.1 document of every RPC route, generated from the same zod schemas that validate
 * requests, plus the artifact routes (raw bodies) described by hand.
 */
import { z } from 'zod'
import type { MountedRoute } from './rpc.js'

type JsonSchema = Record<string, unknown>

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema
  return rest
}

const errorSchema = {
  type: 'object',
  required: ['error_code', 'message'],
  properties: { error_code: { type: 'string' }, message: { type: 'string' } },
}

const errorResponses = {
  '400': { description: 'Invalid request', content: { 'application/json': { schema: errorSchema } } },
  '404': { description: 'Not found', content: { 'application/json': { schema: errorSchema } } },
}

export function buildOpenApi(routes: readonly MountedRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const { endpoint, methods } of routes) {
    const path = `/api/${endpoint.major}.0${endpoint.path}`
    const request = toSchema(endpoint.request, 'input')
    const pathParams = [...endpoint.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)
    for (const method of methods) {
      const operation: Record<string, unknown> = {
        summary: endpoint.summary,
        operationId: `${method.toLowerCase()}${endpoint.path.replace(/[^a-zA-Z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
        responses: {
          '200': { description: 'OK', content: { 'application/json': { schema: toSchema(endpoint.response, 'input') } } },
          ...errorResponses,
        },
      }
      const props = (request.properties ?? {}) as Record<string, JsonSchema>
      const required = new Set((request.required as string[] | undefined) ?? [])
      const parameters = pathParams.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }))
      if (method === 'GET') {
        for (const [name, schema] of Object.entries(props)) {
          if (pathParams.includes(name)) continue
          parameters.push({ name, in: 'query', required: required.has(name), schema: schema as { type: string } })
        }
      } else {
        operation.requestBody = { required: true, content: { 'application/json': { schema: request } } }
      }
      if (parameters.length > 0) operation.parameters = parameters
      ;(paths[path] ??= {})[method.toLowerCase()] = operation
    }
  }
  const artifact = '/api/2.0/mlflow-artifacts/artifacts/{path}'
  const pathParam = [{ name: 'path', in: 'path', required: true, schema: { type: 'string' } }]
  paths[artifact] = {
    get: { summary: 'Download an artifact (streamed)', parameters: pathParam, responses: { '200': { description: 'The file', content: { 'application/octet-stream': {} } }, ...errorResponses } },
    put: { summary: 'Upload an artifact (streamed)', parameters: pathParam, requestBody: { content: { 'application/octet-stream': {} } }, responses: { '200': { description: 'Stored' }, ...errorResponses } },
    delete: { summary: 'Delete an artifact or folder', parameters: pathParam, responses: { '200': { description: 'Deleted' }, ...errorResponses } },
  }
  paths['/api/2.0/mlflow-artifacts/artifacts'] = {
    get: {
      summary: 'List a folder of artifacts (basename paths)',
      parameters: [{ name: 'path', in: 'query', required: false, schema: { type: 'string' } }],
      responses: { '200': { description: 'Files', content: { 'application/json': { schema: { type: 'object', properties: { files: { type: 'array', items: { type: 'object' } } } } } } } },
    },
  }
  paths['/health'] = { get: { summary: 'Liveness', responses: { '200': { description: 'OK', content: { 'text/plain': {} } } } } }
  paths['/version'] = { get: { summary: 'Server version', responses: { '200': { description: 'Version', content: { 'text/plain': {} } } } } }
  return { openapi: '3.1.0', info: { title: 'keel', version, description: "keel's REST API: MLflow's tracking protocol and keel's own routes" }, paths }
}
