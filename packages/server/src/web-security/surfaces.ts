/**
 * The two servers' surfaces for the browser guard: which paths health probes use, and which
 * bodies other than JSON a state-changing route takes.
 */
import type { Surface } from './check.js'

const NO_TYPES: readonly string[] = []
const NO_BODY: readonly string[] = ['']
const ANY: readonly string[] = ['*']
// Files, and the parts of a multipart upload (sent by MLflow's client to the part URL as raw bytes, no type).
const ARTIFACT_FILE = /^\/(api|ajax-api)\/2\.0\/mlflow-artifacts\/(artifacts|mpu\/part)\//
// OTLP/HTTP spans in protobuf: not a type a page may send across sites without a preflight.
const OTLP: readonly string[] = ['application/x-protobuf', 'application/protobuf']

/** `keel server`: the tracking server, registry, artifacts and UI. */
export const TRACKING_SURFACE: Surface = {
  hostExempt: (path) => path === '/health' || path === '/ready',
  otherBodyTypes(method, path) {
    // MLflow's client uploads an artifact with the file's guessed type (text/plain, image/png, …);
    // a browser never sends a PUT across origins without a preflight, which only allowed origins pass.
    if (method === 'PUT' && ARTIFACT_FILE.test(path)) return ANY
    if (method === 'POST' && path === '/v1/traces') return OTLP
    return method === 'DELETE' ? NO_BODY : NO_TYPES
  },
}

const CSV: readonly string[] = ['text/csv']
const PROBES = new Set(['/ping', '/health', '/v2/health/live', '/v2/health/ready'])

/** `keel models serve`: MLflow scoring and the Open Inference Protocol. */
export const MODEL_SERVER_SURFACE: Surface = {
  hostExempt: (path) => PROBES.has(path),
  otherBodyTypes(method, path) {
    if (method === 'POST' && path === '/invocations') return CSV
    return method === 'DELETE' ? NO_BODY : NO_TYPES
  },
}

/** A refusal in the model server's protocols: Open Inference's `{error}`, else MLflow's `{error_code, message}`. */
export function modelServerErrorBody(path: string, message: string): string {
  return path === '/v2' || path.startsWith('/v2/')
    ? JSON.stringify({ error: message })
    : JSON.stringify({ error_code: 'PERMISSION_DENIED', message })
}
