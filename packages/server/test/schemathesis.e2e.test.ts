/**
 * The API holds up under fuzzing: a short seeded schemathesis run (the version pinned in
 * python/requirements.txt, from .venv) against a real server's /openapi.json, with authentication
 * off and on. Positive data only: every request is valid by the document, and the run fails on a
 * 5xx, a response that breaks its documented schema, an undocumented status or content type, or a
 * schema-valid request the server refuses. `npm run fuzz` (scripts/fuzz-api.mjs) is the long run.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { DRIFT_TEST_NAMES } from '@keel/contracts'
import { STAT_TESTS } from '@keel/monitoring'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelServer, startKeelServer } from './support/keel-server.js'

interface Command {
  command: string
  args: string[]
  env: Record<string, string>
}
interface FuzzScript {
  SCHEMATHESIS: string
  FUZZ_ADMIN: { username: string; password: string }
  missingSchemathesis(): string
  schemathesisCommand(options: {
    schema: string
    seed: number
    examples: number
    auth?: { username: string; password: string }
  }): Command
  run(command: Command, options: { cwd: string }): Promise<{ code: number; output: string }>
}

const script = (await import(
  pathToFileURL(join(import.meta.dirname, '../../../scripts/fuzz-api.mjs')).href
)) as FuzzScript

/** Seeded and bounded: each run takes about 25 s on two cores. */
const SEED = 20261207
const EXAMPLES = 20
const RUN_TIMEOUT_MS = 150_000

let scratch: string
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'keel-schemathesis-'))
})
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true })
})

async function fuzz(server: KeelServer, auth?: { username: string; password: string }): Promise<void> {
  if (!existsSync(script.SCHEMATHESIS)) throw new Error(script.missingSchemathesis())
  const command = script.schemathesisCommand({
    schema: `${server.url}/openapi.json`,
    seed: SEED,
    examples: EXAMPLES,
    ...(auth && { auth }),
  })
  const { code, output } = await script.run(command, { cwd: scratch })
  // The whole report on failure: what failed, the request that did it, and a curl to replay it.
  expect(
    code,
    `schemathesis failed (${command.command} ${command.args.join(' ')}):\n${output}\nserver:\n${server.output().slice(-4000)}`,
  ).toBe(0)
  expect(output).toMatch(/\d+ generated, \d+ passed/)
}

describe('schemathesis against /openapi.json', () => {
  it('finds nothing with authentication off', { timeout: RUN_TIMEOUT_MS }, async () => {
    const server = await startKeelServer({ args: ['--no-request-log', '--monitor-interval', '0'] })
    try {
      await fuzz(server)
    } finally {
      await server.close()
    }
  })

  it('finds nothing with authentication on, as the admin', { timeout: RUN_TIMEOUT_MS }, async () => {
    const { FUZZ_ADMIN } = script
    const server = await startKeelServer({
      args: ['--app-name', 'basic-auth', '--no-request-log', '--monitor-interval', '0'],
      env: { MLFLOW_AUTH_ADMIN_USERNAME: FUZZ_ADMIN.username, MLFLOW_AUTH_ADMIN_PASSWORD: FUZZ_ADMIN.password },
    })
    try {
      await fuzz(server, FUZZ_ADMIN)
    } finally {
      await server.close()
    }
  })
})

describe('the document', () => {
  let server: KeelServer
  type Response = { $ref?: string; content?: Record<string, { schema?: { $ref?: string } }> }
  let document: {
    paths: Record<string, Record<string, { responses: Record<string, Response> }>>
    components: {
      responses: Record<string, Response>
      schemas: Record<string, { properties?: Record<string, unknown> }>
    }
  }
  /** The properties of the error body a response points at. */
  const errorFields = (response: Response | undefined): string[] => {
    const resolved = response?.$ref
      ? document.components.responses[response.$ref.replace('#/components/responses/', '')]
      : response
    const ref = resolved?.content?.['application/json']?.schema?.$ref
    return Object.keys((ref && document.components.schemas[ref.replace('#/components/schemas/', '')]?.properties) ?? {})
  }
  beforeAll(async () => {
    server = await startKeelServer({ args: ['--no-request-log'] })
    document = (await (await fetch(`${server.url}/openapi.json`)).json()) as typeof document
  })
  afterAll(async () => {
    await server?.close()
  })

  it('documents every error a route answers with the error body', () => {
    for (const [path, item] of Object.entries(document.paths)) {
      if (!path.startsWith('/api/')) continue
      for (const [method, operation] of Object.entries(item)) {
        for (const status of ['400', '401', '403', '404']) {
          expect(errorFields(operation.responses[status]), `${method.toUpperCase()} ${path} ${status}`).toEqual([
            'error_code',
            'message',
          ])
        }
      }
    }
    const upload = document.paths['/api/2.0/mlflow-artifacts/artifacts/{path}']!.put!.responses
    for (const status of ['413', '507']) expect(errorFields(upload[status]), status).toEqual(['error_code', 'message'])
  })

  it('names the drift tests @keel/monitoring runs', () => {
    expect([...DRIFT_TEST_NAMES].sort()).toEqual(Object.keys(STAT_TESTS).sort())
  })
})
