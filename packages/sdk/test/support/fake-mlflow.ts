/**
 * A small fake MLflow tracking server for the SDK's tests: node:http on a free port, recording every
 * request, answering from a scripted queue first and otherwise from a minimal in-memory MLflow
 * (experiments, runs, log-batch, metric history, proxied artifacts stored in a temp directory).
 */
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'

export interface RecordedRequest {
  readonly method: string
  /** The raw (still percent-encoded) path. */
  readonly path: string
  /** Query parameters in order, repeated keys kept. */
  readonly query: readonly [string, string][]
  readonly headers: IncomingHttpHeaders
  /** The parsed JSON body (JSON requests only). */
  readonly body: any
  /** Bytes of body received. */
  readonly bytes: number
}

/** A scripted answer: a status with a JSON body (after `delayMs`), or `'reset'` to drop the connection. */
export type Scripted =
  | {
      readonly status: number
      readonly body?: unknown
      readonly headers?: Record<string, string>
      readonly delayMs?: number
    }
  | 'reset'

type Json = Record<string, any>

export interface FakeMlflow {
  readonly url: string
  readonly requests: RecordedRequest[]
  /** Where PUT artifacts are written: `<artifactRoot>/<path below /mlflow-artifacts/artifacts/>`. */
  readonly artifactRoot: string
  readonly experiments: Map<string, Json>
  readonly runs: Map<string, { info: Json; data: { metrics: Json[]; params: Json[]; tags: Json[] } }>
  /** Trace infos recorded by StartTraceV3 (`/api/3.0/mlflow/traces`), by trace id. */
  readonly traceInfos: Map<string, Json>
  /** Answers the next requests to `method path` (path below the host, no query) with these, in order. */
  script(method: string, path: string, ...responses: Scripted[]): void
  /** Recorded requests to `method path` (path without the query string). */
  calls(method: string, path: string): RecordedRequest[]
  /** Forgets recorded requests and unused scripted answers (state is kept). */
  reset(): void
  close(): Promise<void>
}

const API = '/api/2.0/mlflow'
const API3 = '/api/3.0/mlflow'
/** Where OTLP/HTTP spans go (MLflow's server takes them there). */
const OTLP = '/v1/traces'
const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts'

type Reply = Exclude<Scripted, 'reset'>

const error = (status: number, code: string, message: string): Reply => ({
  status,
  body: { error_code: code, message },
})

export async function startFakeMlflow(): Promise<FakeMlflow> {
  const artifactRoot = await mkdtemp(join(tmpdir(), 'keel-fake-artifacts-'))
  const requests: RecordedRequest[] = []
  const scripts = new Map<string, Scripted[]>()
  const experiments = new Map<string, Json>()
  const runs: FakeMlflow['runs'] = new Map()
  const traceInfos = new Map<string, Json>()
  const now = Date.now()
  const addExperiment = (id: string, name: string): Json => {
    const e = {
      experiment_id: id,
      name,
      artifact_location: `mlflow-artifacts:/${id}`,
      lifecycle_stage: 'active',
      creation_time: now,
      last_update_time: now,
      tags: [],
    }
    experiments.set(id, e)
    return e
  }
  addExperiment('0', 'Default')

  const mlflow = (method: string, path: string, req: Json): Reply => {
    const run = (id: unknown) => runs.get(String(id))
    const noRun = (id: unknown) => error(404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${String(id)} not found`)
    switch (`${method} ${path}`) {
      case 'GET /experiments/get-by-name': {
        const e = [...experiments.values()].find((x) => x.name === req.experiment_name)
        return e
          ? { status: 200, body: { experiment: e } }
          : error(404, 'RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${req.experiment_name}'`)
      }
      case 'POST /experiments/create': {
        if ([...experiments.values()].some((x) => x.name === req.name))
          return error(400, 'RESOURCE_ALREADY_EXISTS', `Experiment '${req.name}' already exists.`)
        return { status: 200, body: { experiment_id: addExperiment(String(experiments.size), req.name).experiment_id } }
      }
      case 'GET /experiments/get': {
        const e = experiments.get(req.experiment_id)
        return e ? { status: 200, body: { experiment: e } } : error(404, 'RESOURCE_DOES_NOT_EXIST', 'No experiment')
      }
      case 'POST /experiments/delete': {
        const e = experiments.get(req.experiment_id)
        if (e) e.lifecycle_stage = 'deleted'
        return { status: 200, body: {} }
      }
      case 'POST /runs/create': {
        const id = randomBytes(16).toString('hex')
        const exp = req.experiment_id ?? '0'
        const info = {
          run_id: id,
          run_uuid: id,
          run_name: req.run_name ?? 'fake-run',
          experiment_id: exp,
          user_id: req.user_id ?? 'unknown',
          status: 'RUNNING',
          start_time: req.start_time,
          artifact_uri: `mlflow-artifacts:/${exp}/${id}/artifacts`,
          lifecycle_stage: 'active',
        }
        runs.set(id, { info, data: { metrics: [], params: [], tags: [...(req.tags ?? [])] } })
        return { status: 200, body: { run: { info, data: { tags: req.tags ?? [] } } } }
      }
      case 'GET /runs/get': {
        const r = run(req.run_id)
        return r ? { status: 200, body: { run: r } } : noRun(req.run_id)
      }
      case 'POST /runs/update': {
        const r = run(req.run_id)
        if (!r) return noRun(req.run_id)
        Object.assign(r.info, req.status && { status: req.status }, req.end_time && { end_time: req.end_time })
        return { status: 200, body: { run_info: r.info } }
      }
      case 'POST /runs/log-batch': {
        const r = run(req.run_id)
        if (!r) return noRun(req.run_id)
        const [m, p, t] = [req.metrics ?? [], req.params ?? [], req.tags ?? []]
        if (m.length > 1000 || p.length > 100 || t.length > 100 || m.length + p.length + t.length > 1000) {
          return error(
            400,
            'INVALID_PARAMETER_VALUE',
            'A batch logging request can contain at most 1000 metrics, 100 params, 100 tags and 1000 entities',
          )
        }
        r.data.metrics.push(...m)
        r.data.params.push(...p)
        r.data.tags.push(...t)
        return { status: 200, body: {} }
      }
      case 'POST /runs/log-metric':
      case 'POST /runs/log-parameter':
      case 'POST /runs/set-tag': {
        const r = run(req.run_id)
        if (!r) return noRun(req.run_id)
        const { run_id: _, ...entity } = req
        const list =
          path === '/runs/log-metric' ? r.data.metrics : path === '/runs/set-tag' ? r.data.tags : r.data.params
        list.push(entity)
        return { status: 200, body: {} }
      }
      case 'GET /metrics/get-history': {
        const r = run(req.run_id)
        return r
          ? { status: 200, body: { metrics: r.data.metrics.filter((x) => x.key === req.metric_key) } }
          : noRun(req.run_id)
      }
      case 'POST /runs/search':
        return {
          status: 200,
          body: { runs: [...runs.values()].filter((r) => (req.experiment_ids ?? []).includes(r.info.experiment_id)) },
        }
      default:
        return error(404, 'ENDPOINT_NOT_FOUND', `No fake for ${method} ${path}`)
    }
  }

  /** The artifact proxy; `record(bytes)` is called before the answer is sent. */
  const artifacts = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    record: (bytes: number) => void,
  ): Promise<void> => {
    const rel = url.pathname
      .slice(ARTIFACTS.length + 1)
      .split('/')
      .map(decodeURIComponent)
    const file = join(artifactRoot, ...rel)
    if (req.method === 'PUT') {
      await mkdir(dirname(file), { recursive: true })
      await pipeline(req, createWriteStream(file))
      record((await stat(file)).size)
      return json(res, { status: 200, body: {} })
    }
    record(0)
    if (url.pathname === ARTIFACTS) {
      const dir = join(artifactRoot, ...(url.searchParams.get('path') ?? '').split('/').filter(Boolean))
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
      const files = await Promise.all(
        entries.map(async (e) =>
          e.isDirectory()
            ? { path: e.name, is_dir: true }
            : { path: e.name, is_dir: false, file_size: (await stat(join(dir, e.name))).size },
        ),
      )
      return json(res, { status: 200, body: files.length > 0 ? { files } : {} })
    }
    if (!(await stat(file).catch(() => undefined))?.isFile())
      return json(res, error(404, 'RESOURCE_DOES_NOT_EXIST', 'No such artifact'))
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    await pipeline(createReadStream(file), res)
  }

  /** MLflow 3's trace endpoints, minimally: infos are recorded and echoed; spans are not kept. */
  const tracing = (method: string, path: string, req: Json): Reply => {
    if (method === 'POST' && path === '/traces') {
      const info = req.trace?.trace_info ?? {}
      traceInfos.set(String(info.trace_id), info)
      return { status: 200, body: { trace: { trace_info: info } } }
    }
    if (method === 'POST' && path === '/traces/search') {
      return { status: 200, body: { traces: [...traceInfos.values()] } }
    }
    const tags = /^\/traces\/([^/]+)\/tags$/.exec(path)
    if (tags && (method === 'PATCH' || method === 'DELETE')) return { status: 200, body: {} }
    const assessments = /^\/traces\/([^/]+)\/assessments$/.exec(path)
    if (assessments && method === 'POST') {
      return {
        status: 200,
        body: { assessment: { ...req.assessment, assessment_id: `a-${randomBytes(8).toString('hex')}` } },
      }
    }
    return error(404, 'ENDPOINT_NOT_FOUND', path)
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake')
      const record = (body: unknown, bytes: number) =>
        requests.push({
          method: req.method ?? '',
          path: url.pathname,
          query: [...url.searchParams],
          headers: req.headers,
          body,
          bytes,
        })
      const scripted = scripts.get(`${req.method} ${url.pathname}`)?.shift()
      if (url.pathname.startsWith(ARTIFACTS) && scripted === undefined)
        return artifacts(req, res, url, (bytes) => record(undefined, bytes))
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      const raw = Buffer.concat(chunks)
      const body =
        req.headers['content-type']?.includes('json') && raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined
      record(body, raw.length)
      if (scripted === 'reset') return req.socket.destroy()
      if (scripted?.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs))
      if (scripted !== undefined) return json(res, scripted)
      const request = req.method === 'GET' ? Object.fromEntries(url.searchParams) : (body ?? {})
      const method = req.method ?? ''
      json(
        res,
        url.pathname.startsWith(API)
          ? mlflow(method, url.pathname.slice(API.length), request)
          : url.pathname.startsWith(API3)
            ? tracing(method, url.pathname.slice(API3.length), request)
            : url.pathname === OTLP && method === 'POST'
              ? { status: 200, body: {} }
              : error(404, 'ENDPOINT_NOT_FOUND', url.pathname),
      )
    })().catch((err: unknown) => json(res, error(500, 'INTERNAL_ERROR', String(err))))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    artifactRoot,
    experiments,
    runs,
    traceInfos,
    script(method, path, ...responses) {
      const key = `${method} ${path}`
      scripts.set(key, [...(scripts.get(key) ?? []), ...responses])
    },
    calls: (method, path) => requests.filter((r) => r.method === method && r.path === path),
    reset() {
      requests.length = 0
      scripts.clear()
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await rm(artifactRoot, { recursive: true, force: true })
    },
  }
}

function json(res: ServerResponse, scripted: Reply): void {
  if (res.headersSent) return void res.end()
  res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers })
  res.end(scripted.body === undefined ? '' : JSON.stringify(scripted.body))
}
