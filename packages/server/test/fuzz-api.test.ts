/**
 * Bad input never reaches a 5xx: every route of the OpenAPI document gets malformed and hostile
 * requests (wrong types, missing fields, huge and odd strings, junk bodies), and must answer 4xx
 * with an MLflow error body, or 200. A 5xx would make MLflow's client retry for minutes. In-process,
 * through the app's request function.
 */
import { createRng } from '@keel/ml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'

let server: InProcessKeel
let paths: Record<
  string,
  Record<
    string,
    { requestBody?: { content?: Record<string, { schema?: Schema }> }; parameters?: { name: string; in: string }[] }
  >
>
type Schema = { properties?: Record<string, Schema>; type?: string | string[]; items?: Schema }

beforeAll(async () => {
  server = await startKeelApp()
  paths = ((await (await server.fetch(`${server.url}/openapi.json`)).json()) as { paths: typeof paths }).paths
})
afterAll(async () => {
  await server?.close()
})

const ODD_STRINGS = [
  '',
  ' ',
  '0',
  '-1',
  'NaN',
  '1e999',
  "' OR 1=1 --",
  '../../etc/passwd',
  '%00',
  '\u0000',
  'é'.repeat(300),
  'x'.repeat(70_000),
  '{"a":1}',
  'null',
  'True',
]

function oddValue(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * 12)
  switch (pick) {
    case 0:
      return null
    case 1:
      return true
    case 2:
      return -1
    case 3:
      return 2 ** 63
    case 4:
      return 1.5
    case 5:
      return ODD_STRINGS[Math.floor(rand() * ODD_STRINGS.length)]
    case 6:
      return depth < 3 ? [oddValue(rand, depth + 1), oddValue(rand, depth + 1)] : []
    case 7:
      return depth < 3 ? { key: oddValue(rand, depth + 1), value: oddValue(rand, depth + 1) } : {}
    case 8:
      return 'a'
    case 9:
      return []
    case 10:
      return {}
    default:
      return Number.MAX_SAFE_INTEGER
  }
}

function bodyFor(schema: Schema | undefined, rand: () => number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name of Object.keys(schema?.properties ?? {})) if (rand() < 0.7) out[name] = oddValue(rand)
  if (rand() < 0.2) out.unexpected_field = oddValue(rand)
  return out
}

describe('fuzzing every route', () => {
  it('never answers 5xx to malformed requests', async () => {
    const rand = createRng(20261126) // seeded, so a failure replays
    const failures: string[] = []
    let sent = 0
    for (const [template, methods] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (let i = 0; i < 12; i++) {
          const path = template.replace(/\{(\w+)\}/g, () => encodeURIComponent(String(oddValue(rand) ?? 'x')) || 'x')
          let url = `${server.url}${path}`
          const init: RequestInit = { method: method.toUpperCase() }
          if (method === 'get') {
            const qs = new URLSearchParams()
            for (const p of op.parameters ?? [])
              if (p.in === 'query' && rand() < 0.7) qs.append(p.name, String(oddValue(rand)))
            url += `?${qs}`
          } else if (method === 'put') {
            init.body = 'raw bytes'
          } else {
            const schema = op.requestBody?.content?.['application/json']?.schema
            init.body = rand() < 0.1 ? '{not json' : rand() < 0.1 ? '[1,2]' : JSON.stringify(bodyFor(schema, rand))
            init.headers = { 'Content-Type': 'application/json' }
          }
          const res = await server.fetch(url, init)
          sent++
          const text = await res.text()
          if (res.status >= 500)
            failures.push(
              `${method.toUpperCase()} ${path} ${String(init.body).slice(0, 200)} -> ${res.status} ${text.slice(0, 200)}`,
            )
          // In-process, a URL over the HTTP parser's 64 KiB limit (431 on a socket) reaches the routes too.
          else if (res.status >= 400 && path.startsWith('/api/2.0/mlflow/')) {
            let body: { error_code?: string; message?: string } = {}
            try {
              body = JSON.parse(text) as typeof body
            } catch {
              // reported below
            }
            if (!body.error_code || !body.message) {
              failures.push(
                `${method.toUpperCase()} ${path} -> ${res.status} without error_code/message: ${text.slice(0, 200)}`,
              )
            }
          }
        }
      }
    }
    expect(sent).toBeGreaterThan(300)
    expect(failures).toEqual([])
  }, 120_000)
})

describe('fuzzing the registry with a real model', () => {
  it('never answers 5xx when the names are real and the other fields are hostile', async () => {
    const rand = createRng(20261127)
    const post = (path: string, body: unknown) =>
      server.fetch(`${server.url}/api/2.0/mlflow${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
    const exp = (await (await post('/experiments/create', { name: 'fuzz-registry' })).json()) as {
      experiment_id: string
    }
    const run = (await (await post('/runs/create', { experiment_id: exp.experiment_id })).json()) as {
      run: { info: { run_id: string; artifact_uri: string } }
    }
    const runId = run.run.info.run_id
    const runArtifacts = run.run.info.artifact_uri
    const logged = (await (
      await post('/logged-models', { experiment_id: exp.experiment_id, name: 'fuzz', source_run_id: runId })
    ).json()) as {
      model: { info: { model_id: string; artifact_uri: string } }
    }
    const modelId = logged.model.info.model_id
    const name = 'fuzz-model'
    expect((await post('/registered-models/create', { name })).status).toBe(200)
    expect((await post('/model-versions/create', { name, source: `runs:/${runId}/model`, run_id: runId })).status).toBe(
      200,
    )
    const registry = Object.entries(paths).filter(([template]) =>
      /registered-models|model-versions|\/keel\//.test(template),
    )
    expect(registry.length).toBeGreaterThanOrEqual(20)
    const hostileSources = [
      `runs:/${runId}/${'../'.repeat(3)}`,
      `runs:/${runId}/%252e%252e/x`,
      `runs:/${runId}/model`,
      'models:/',
      'models:/@',
      `models:/${name}/`,
      `models:/${name}@`,
      `models:/${modelId}`,
      'mlflow-artifacts:',
      `${runArtifacts}/model`,
      `${runArtifacts}/../../x`,
      `${logged.model.info.artifact_uri}/MLmodel`,
      `mlflow-artifacts://host/${runArtifacts.slice('mlflow-artifacts:/'.length)}/model`,
      'mlflow-artifacts://',
      'runs:/',
      'file:',
      '/',
    ]
    const failures: string[] = []
    for (const [template, methods] of registry) {
      for (const [method, op] of Object.entries(methods)) {
        for (let i = 0; i < 20; i++) {
          const schema = op.requestBody?.content?.['application/json']?.schema
          const fields =
            method === 'get' ? (op.parameters ?? []).map((p) => p.name) : Object.keys(schema?.properties ?? {})
          const body: Record<string, unknown> = {}
          for (const field of fields) {
            if (field === 'name') body.name = rand() < 0.8 ? name : oddValue(rand)
            else if (field === 'version') body.version = rand() < 0.6 ? '1' : oddValue(rand)
            else if (field === 'source')
              body.source = rand() < 0.5 ? hostileSources[Math.floor(rand() * hostileSources.length)] : oddValue(rand)
            else if (field === 'run_id') body.run_id = rand() < 0.5 ? runId : oddValue(rand)
            else if (field === 'model_id') body.model_id = rand() < 0.5 ? modelId : oddValue(rand)
            else if (rand() < 0.7) body[field] = oddValue(rand)
          }
          let url = `${server.url}${template}`
          const init: RequestInit = { method: method.toUpperCase() }
          if (method === 'get') {
            const qs = new URLSearchParams()
            for (const [k, v] of Object.entries(body)) qs.append(k, String(v))
            url += `?${qs}`
          } else {
            init.body = JSON.stringify(body)
            init.headers = { 'Content-Type': 'application/json' }
          }
          const res = await server.fetch(url, init)
          const text = await res.text()
          if (res.status >= 500)
            failures.push(
              `${method.toUpperCase()} ${template} ${String(init.body ?? url).slice(0, 200)} -> ${res.status} ${text.slice(0, 200)}`,
            )
        }
      }
    }
    expect(failures).toEqual([])
    // the model survived the barrage in a readable state
    const got = await server.fetch(`${server.url}/api/2.0/mlflow/registered-models/get?name=${name}`)
    expect([200, 404]).toContain(got.status)
  }, 120_000)
})
