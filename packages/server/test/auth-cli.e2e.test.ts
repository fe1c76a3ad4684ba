/**
 * The auth commands as an operator and a user run them (the built CLI) against a `keel server
 * --app-name basic-auth` in the test's process, on a socket for the CLI to reach: users created
 * from stdin, tokens that work as MLFLOW_TRACKING_TOKEN until revoked, grants that change what a
 * user may do, the audit log of those writes, and a protected alias moved by one user's request and
 * another's approval. Every failure is one line on stderr with a non-zero exit code, never a stack
 * trace.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { createKeel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { KEEL_BIN } from './support/keel-server.js'

const exec = promisify(execFile)
const ADMIN = { username: 'admin', password: 'admin-password-1' }
type Credentials = { username: string; password: string } | { token: string }
type Result = { code: number; stdout: string; stderr: string }

let server: InProcessKeel
/** Each test runs 15 to 25 CLI processes one after another, about a second each on a loaded two-core machine. */
const CLI_TEST_TIMEOUT_MS = 120_000

/** The CLI's environment: none of the test runner's MLflow variables, only the credentials given. */
function envFor(as: Credentials | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' }
  for (const key of Object.keys(env)) if (/^(MLFLOW_TRACKING_|KEEL_TRACKING_URI|KEEL_USER)/.test(key)) delete env[key]
  if (as && 'token' in as) env.MLFLOW_TRACKING_TOKEN = as.token
  else if (as) Object.assign(env, { MLFLOW_TRACKING_USERNAME: as.username, MLFLOW_TRACKING_PASSWORD: as.password })
  return env
}

/** Runs `keel ARGS --tracking-uri URL` as `as`, with `stdin` piped in (else stdin is empty, not a terminal). */
async function keel(args: readonly string[], as: Credentials | undefined, stdin = ''): Promise<Result> {
  const running = exec(process.execPath, [KEEL_BIN, ...args, '--tracking-uri', server.url], { env: envFor(as) })
  running.child.stdin!.end(stdin)
  try {
    const { stdout, stderr } = await running
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

async function ok(args: readonly string[], as: Credentials | undefined, stdin = ''): Promise<string> {
  const result = await keel(args, as, stdin)
  expect(result, `keel ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' })
  return result.stdout
}

const json = async <T = any>(args: readonly string[], as: Credentials | undefined, stdin = ''): Promise<T> =>
  JSON.parse(await ok([...args, '--json'], as, stdin)) as T

/** Expects the command to fail with one error line (no stack trace) matching `message`. */
async function fails(
  args: readonly string[],
  as: Credentials | undefined,
  message: RegExp,
  stdin = '',
): Promise<Result> {
  const result = await keel(args, as, stdin)
  expect(result.code, `keel ${args.join(' ')}: ${result.stdout}`).not.toBe(0)
  expect(result.stderr).toMatch(message)
  expect(result.stderr).not.toMatch(/\n\s+at /)
  return result
}

async function newUser(username: string): Promise<{ username: string; password: string }> {
  const password = `${username}-password-1`
  expect(await ok(['users', 'create', username, '--password-stdin'], ADMIN, `${password}\n`)).toContain(
    `created user ${username}`,
  )
  return { username, password }
}

beforeAll(async () => {
  server = await startKeelApp({
    listen: true,
    args: ['--app-name', 'basic-auth'],
    env: { MLFLOW_AUTH_ADMIN_USERNAME: ADMIN.username, MLFLOW_AUTH_ADMIN_PASSWORD: ADMIN.password },
  })
})
afterAll(async () => {
  await server?.close()
})

describe('keel users and whoami', () => {
  it(
    'creates a user from --password-stdin, never from an argument, and refuses what it cannot do',
    async () => {
      const ann = await newUser('ann')
      expect(await json(['whoami'], ann)).toMatchObject({
        authEnabled: true,
        user: { username: 'ann', isAdmin: false },
      })
      expect(await ok(['whoami'], ann)).toMatch(/user\s+│ ann/)

      // No terminal to type in and no --password-stdin: refused before any request.
      await fails(['users', 'create', 'nopass'], ADMIN, /--password-stdin/)
      await fails(
        ['users', 'create', 'twolines', '--password-stdin'],
        ADMIN,
        /expected the password alone on one line/,
        'one-password-1\nanother-one-2\n',
      )
      await fails(
        ['users', 'create', 'short', '--password-stdin'],
        ADMIN,
        /INVALID_PARAMETER_VALUE Password must be at least/,
        'short\n',
      )
      const users = await json<{ username: string; isAdmin: boolean }[]>(['users', 'list'], ADMIN)
      expect(users.map((u) => u.username).sort()).toEqual(['admin', 'ann'])
      expect(await ok(['users', 'list'], ADMIN)).toMatch(/admin\s+│ yes/)

      await fails(
        ['users', 'create', 'by-ann', '--password-stdin'],
        ann,
        /^error PERMISSION_DENIED .*not an admin/,
        'by-ann-password-1\n',
      )
      expect(await json(['users', 'list'], ann)).toHaveLength(2) // any signed-in user may list, as in MLflow
      await fails(['whoami'], undefined, /not signed in: set MLFLOW_TRACKING_TOKEN/)
      await fails(['users', 'set-admin', 'ann', 'maybe'], ADMIN, /expected 'true' or 'false'/)
      expect(await ok(['users', 'set-admin', 'ann', 'true'], ADMIN)).toContain('ann is now an admin')
      expect(await json(['whoami'], ann)).toMatchObject({ user: { isAdmin: true } })
      await ok(['users', 'set-admin', 'ann', 'false'], ADMIN)

      // One's own password needs the current one: two lines on stdin.
      await fails(['users', 'password', 'ann', '--password-stdin'], ann, /expected 2 lines/, 'ann-password-2\n')
      await ok(['users', 'password', 'ann', '--password-stdin'], ann, `${ann.password}\nann-password-2\n`)
      await fails(['whoami'], ann, /not signed in: check MLFLOW_TRACKING_USERNAME \(ann\)/)
      expect(await json(['whoami'], { username: 'ann', password: 'ann-password-2' })).toMatchObject({
        user: { username: 'ann' },
      })

      const gone = await newUser('gone')
      expect(await ok(['users', 'delete', 'gone'], ADMIN)).toContain('deleted user gone')
      await fails(['experiments', 'create', 'ghost'], gone, /^error UNAUTHENTICATED .*wrong user name or password/)
      await fails(['users', 'delete', 'gone'], ADMIN, /RESOURCE_DOES_NOT_EXIST/)
    },
    CLI_TEST_TIMEOUT_MS,
  )
})

describe('keel tokens', () => {
  it(
    'creates a token shown once that works as MLFLOW_TRACKING_TOKEN until revoked, then names the 401',
    async () => {
      const tess = await newUser('tess')
      const shown = await ok(['tokens', 'create', 'laptop'], tess)
      expect(shown).toMatch(/^ {2}keel_[0-9a-f]{16}_[\w-]{43}$/m)
      expect(shown).toContain('cannot be shown again')
      const created = await json<{
        token: string
        info: { tokenId: string; name: string; createdTime: number; expiresTime: number }
      }>(['tokens', 'create', 'ci', '--expires-in-days', '7'], tess)
      expect(created.info.expiresTime - created.info.createdTime).toBe(7 * 86_400_000)
      await fails(
        ['tokens', 'create', 'never', '--expires-in-days', '0'],
        tess,
        /expected a whole number of at least 1/,
      )

      const viaToken = { token: created.token }
      const { experiment_id: id } = await json<{ experiment_id: string }>(
        ['experiments', 'create', 'tess-tokened'],
        viaToken,
      )
      expect(
        (await json<{ experimentId: string }[]>(['experiments', 'list'], viaToken)).map((e) => e.experimentId),
      ).toContain(id)
      expect(await json(['whoami'], viaToken)).toMatchObject({ user: { username: 'tess' } })

      const listed = await json<{ tokenId: string; name: string; revokedTime?: number }[]>(['tokens', 'list'], tess)
      expect(listed.map((t) => t.name).sort()).toEqual(['ci', 'laptop'])
      expect(JSON.stringify(listed)).not.toContain(created.token.slice('keel_0123456789abcdef_'.length))
      expect(await json(['tokens', 'list', '--user', 'tess'], ADMIN)).toHaveLength(2)

      expect(await ok(['tokens', 'revoke', created.info.tokenId], tess)).toContain(
        `revoked token ${created.info.tokenId}`,
      )
      const refused = await fails(['experiments', 'list'], viaToken, /^error UNAUTHENTICATED .*revoked token/)
      expect(refused.stderr).toMatch(/\nhint the token in MLFLOW_TRACKING_TOKEN was refused/)
      expect(await ok(['tokens', 'list'], tess)).toMatch(/ci\s+│ revoked/)
      await fails(['tokens', 'revoke', created.info.tokenId], tess, /already revoked/)
      await fails(['experiments', 'create', 'anonymous'], undefined, /^error UNAUTHENTICATED You are not authenticated/)
    },
    CLI_TEST_TIMEOUT_MS,
  )
})

describe('keel permissions and keel audit', () => {
  it(
    'grants, reads and revokes permissions that change what a user may do, and the audit log shows the writes',
    async () => {
      const since = new Date(Date.now() - 1000).toISOString()
      const pat = await newUser('pat')
      const { experiment_id: id } = await json<{ experiment_id: string }>(['experiments', 'create', 'guarded'], ADMIN)

      await fails(
        ['experiments', 'delete', id],
        pat,
        /^error PERMISSION_DENIED .*pat needs MANAGE on experiment .* \(has READ\)/,
      )
      expect(await ok(['permissions', 'grant', 'pat', 'experiment', id, 'edit'], ADMIN)).toContain(
        `pat has EDIT on experiment ${id}`,
      )
      await fails(['experiments', 'delete', id], pat, /needs MANAGE .* \(has EDIT\)/)
      // A second grant replaces the first, in one step.
      expect(await json(['permissions', 'grant', 'pat', 'experiment', id, 'MANAGE'], ADMIN)).toMatchObject({
        permission: 'MANAGE',
      })
      expect(await json(['permissions', 'who', 'experiment', id], ADMIN)).toEqual(
        expect.arrayContaining([{ username: 'pat', resourcePattern: id, permission: 'MANAGE' }]),
      )
      expect(await ok(['permissions', 'who', 'experiment', id], ADMIN)).toMatch(
        new RegExp(`pat\\s+│ MANAGE\\s+│ experiment ${id}\\s+│ direct grant`),
      )
      expect(await json(['permissions', 'get', 'pat', 'experiment', id], ADMIN)).toMatchObject({
        permission: 'MANAGE',
        allowed: true,
      })
      expect((await json<{ permissions: object[] }>(['permissions', 'list', 'pat'], ADMIN)).permissions).toEqual([
        expect.objectContaining({ resourceType: 'experiment', resourcePattern: id, permission: 'MANAGE' }),
      ])
      expect(await ok(['permissions', 'list'], pat)).toMatch(
        new RegExp(`experiment\\s+│ ${id}\\s+│ MANAGE\\s+│ direct grant`),
      )
      await ok(['experiments', 'delete', id], pat)

      expect(await ok(['permissions', 'revoke', 'pat', 'experiment', id], ADMIN)).toContain('revoked the grant of pat')
      expect(await ok(['permissions', 'get', 'pat', 'experiment', id], ADMIN)).toContain(
        `pat has READ on experiment ${id}`,
      )
      await fails(['experiments', 'restore', id], pat, /PERMISSION_DENIED/)
      await fails(['permissions', 'who', 'experiment', id], pat, /PERMISSION_DENIED/) // managers only
      await fails(['permissions', 'revoke', 'pat', 'experiment', id], ADMIN, /RESOURCE_DOES_NOT_EXIST/)
      await fails(
        ['permissions', 'grant', 'pat', 'experiment', id, 'WRITE'],
        ADMIN,
        /argument 'permission'.*expected one of READ, USE, EDIT, MANAGE, DENY/,
      )
      await fails(
        ['permissions', 'grant', 'pat', 'run', id, 'READ'],
        ADMIN,
        /argument 'type'.*expected one of experiment, registered_model, deployment/,
      )
      await fails(['permissions', 'grant', 'pat', 'experiment', id, 'READ'], pat, /PERMISSION_DENIED/)

      type Record = {
        actor: string
        authenticated: boolean
        action: string
        status: number
        resource?: { experiment?: string }
      }
      const records = await json<Record[]>(['audit', '--user', 'pat', '--since', since], ADMIN)
      const deletes = records.filter((r) => r.action === 'POST /mlflow/experiments/delete')
      expect(deletes.map((r) => r.status)).toEqual([403, 403, 200])
      expect(deletes.every((r) => r.actor === 'pat' && r.authenticated && r.resource?.experiment === id)).toBe(true)
      expect(records.find((r) => r.action === 'POST /mlflow/experiments/restore')).toMatchObject({ status: 403 })
      const grants = await json<Record[]>(['audit', '--action', 'permissions/SET', '--since', since], ADMIN)
      expect(grants.map((r) => [r.actor, r.status])).toEqual([
        ['admin', 200],
        ['admin', 200],
        ['pat', 403],
      ])
      expect(await json(['audit', '--user', 'pat', '--since', since, '--limit', '2'], ADMIN)).toHaveLength(2)
      expect(await ok(['audit', '--user', 'pat', '--since', since, '--limit', '1'], ADMIN)).toMatch(
        /pat.*POST \/mlflow\/experiments\/delete.*403[\s\S]*more records match/,
      )
      await fails(
        ['audit', '--since', 'yesterday'],
        ADMIN,
        /argument 'yesterday' is invalid. expected an ISO 8601 date/,
      )
      await fails(['audit'], pat, /^error PERMISSION_DENIED .*only admins/)
    },
    CLI_TEST_TIMEOUT_MS,
  )
})

describe('keel models alias: protected aliases', () => {
  it(
    'moves a protected alias by one user’s request and another’s approval, never the requester’s own',
    async () => {
      const owen = await newUser('owen')
      const vera = await newUser('vera')
      const { experiment_id: experimentId } = await json<{ experiment_id: string }>(
        ['experiments', 'create', 'owen-training'],
        owen,
      )
      const run = await createKeel({ trackingUri: server.url, ...owen }).client.createRun({ experimentId })
      for (let i = 0; i < 2; i++)
        await ok(['models', 'register', `runs:/${run.info.runId}/model`, '--name', 'fraud'], owen)
      await ok(['models', 'alias', 'set', 'fraud', 'champion', '1'], owen)

      expect(
        await json(
          ['models', 'alias', 'protect', 'fraud', 'champion', '--require-approval', '-m', 'production traffic'],
          owen,
        ),
      ).toMatchObject({
        name: 'fraud',
        alias: 'champion',
        requireApproval: true,
        protectedBy: 'owen',
      })
      expect(await ok(['models', 'alias', 'protections', 'fraud'], owen)).toMatch(/champion\s+│ required\s+│ owen/)
      await fails(
        ['models', 'alias', 'set', 'fraud', 'champion', '2'],
        owen,
        /protected: moving it needs a second user's approval. Request the change/,
      )

      const request = await json<{ requestId: string; status: string }>(
        ['models', 'alias', 'request', 'fraud', 'champion', '2', '-m', 'better recall'],
        owen,
      )
      expect(request.status).toBe('pending')
      await fails(
        ['models', 'alias', 'approve', request.requestId],
        owen,
        /^error PERMISSION_DENIED A second user must approve request #\d+: owen made it/,
      )
      await fails(
        ['models', 'alias', 'approve', request.requestId],
        vera,
        /vera needs MANAGE on registered model 'fraud'/,
      )
      await fails(['models', 'alias', 'request', 'fraud', 'champion'], owen, /give either a version .* or --remove/)

      await ok(['permissions', 'grant', 'vera', 'registered_model', 'fraud', 'MANAGE'], owen)
      expect(await ok(['models', 'alias', 'requests', '--model', 'fraud', '--status', 'pending'], vera)).toMatch(
        /fraud@champion → v2\s+│ pending\s+│.*│ owen\s+│ better recall/,
      )
      const approved = await json(['models', 'alias', 'approve', request.requestId, '-m', 'checked the A/B'], vera)
      expect(approved).toMatchObject({
        status: 'approved',
        requestedBy: 'owen',
        decidedBy: 'vera',
        decisionComment: 'checked the A/B',
        version: '2',
      })
      expect(
        (await json<{ model: { aliases: object[] } }>(['models', 'describe', 'fraud'], owen)).model.aliases,
      ).toEqual([{ alias: 'champion', version: '2' }])
      expect(await json(['models', 'alias', 'requests', '--model', 'fraud', '--status', 'pending'], owen)).toEqual([])
      await fails(
        ['models', 'alias', 'requests', '--status', 'done'],
        owen,
        /expected one of pending, approved, rejected, cancelled/,
      )

      const events = await json<{ kind: string; actor: string }[]>(['models', 'history', 'fraud'], owen)
      expect(events.slice(0, 3).map((e) => [e.kind, e.actor])).toEqual([
        ['alias_set', 'vera'],
        ['alias_change_approved', 'vera'],
        ['alias_change_requested', 'owen'],
      ])

      const second = await json<{ requestId: string }>(['models', 'alias', 'request', 'fraud', 'champion', '1'], vera)
      expect(await json(['models', 'alias', 'reject', second.requestId, '-m', 'not now'], owen)).toMatchObject({
        status: 'rejected',
        decidedBy: 'owen',
      })
      expect(await ok(['models', 'alias', 'unprotect', 'fraud', 'champion'], owen)).toContain(
        'fraud@champion is no longer protected',
      )
      expect(await json(['models', 'alias', 'protections', 'fraud'], owen)).toEqual([])
    },
    CLI_TEST_TIMEOUT_MS,
  )
})
