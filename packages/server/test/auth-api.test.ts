/**
 * Authentication on `keel server --app-name basic-auth`, in-process through the app's request
 * function: who may call (basic auth, personal access tokens, the UI's session cookie; revoked and
 * expired credentials refused), what they see (searches filtered to what they may read, as MLflow
 * does), the audit log of writes (admins only, append-only, the actor and the outcome of each
 * write), and protected aliases with a second person's approval. The peer address the audit log
 * takes from the socket, and the refusal to start beyond loopback without authentication (an exit
 * status), are process tests: auth-listen.e2e.test.ts.
 */
import { type Endpoint, aliasApprovalsApi, authApi, registryApi, trackingApi } from '@keel/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'

const ADMIN = { username: 'admin', password: 'admin-password-1' }
const PASSWORD = 'user-password-12'

let server: InProcessKeel
let seq = 0
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${seq++}`

type Credentials = { user: string; password?: string } | { token: string } | { cookie: string } | undefined
interface Res {
  status: number
  json: any
  headers: Headers
}

function authHeader(who: Credentials): Record<string, string> {
  if (who === undefined) return {}
  if ('token' in who) return { authorization: `Bearer ${who.token}` }
  if ('cookie' in who) return { cookie: who.cookie }
  const password = who.password ?? (who.user === ADMIN.username ? ADMIN.password : PASSWORD)
  return { authorization: `Basic ${Buffer.from(`${who.user}:${password}`).toString('base64')}` }
}

async function call(endpoint: Endpoint, body: Record<string, unknown>, who: Credentials, prefix = 'api'): Promise<Res> {
  let url = `${server.url}/${prefix}/${endpoint.major}.0${endpoint.path}`
  const headers: Record<string, string> = authHeader(who)
  const init: RequestInit = { method: endpoint.method, headers }
  if (endpoint.method === 'GET') {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(body)) for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item))
    url += `?${q}`
  } else {
    init.body = JSON.stringify(body)
    headers['content-type'] = 'application/json'
  }
  const res = await server.fetch(url, init)
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : {}, headers: res.headers }
}

async function ok(endpoint: Endpoint, body: Record<string, unknown>, who: Credentials): Promise<any> {
  const res = await call(endpoint, body, who)
  expect(res.status, `${endpoint.path}: ${JSON.stringify(res.json)}`).toBe(200)
  return res.json
}

const admin = { user: ADMIN.username }

async function newUser(prefix: string): Promise<{ user: string }> {
  const username = unique(prefix)
  await ok(authApi.createUser, { username, password: PASSWORD }, admin)
  return { user: username }
}

beforeAll(async () => {
  server = await startKeelApp({
    args: ['--app-name', 'basic-auth'],
    env: { MLFLOW_AUTH_ADMIN_USERNAME: ADMIN.username, MLFLOW_AUTH_ADMIN_PASSWORD: ADMIN.password },
  })
})

afterAll(async () => {
  await server?.close()
})

describe('who may call', () => {
  it('asks for credentials on the API with a 401 and WWW-Authenticate, and refuses a wrong password the same way', async () => {
    const none = await call(trackingApi.searchExperiments, { max_results: 1 }, undefined)
    expect(none.status).toBe(401)
    expect(none.json.error_code).toBe('UNAUTHENTICATED')
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="keel"')
    const wrong = await call(
      trackingApi.searchExperiments,
      { max_results: 1 },
      { user: ADMIN.username, password: 'not-it' },
    )
    expect(wrong.status).toBe(401)
    const unknown = await call(
      trackingApi.searchExperiments,
      { max_results: 1 },
      { user: 'nobody-at-all', password: 'x' },
    )
    expect(unknown.status).toBe(401)
    // The UI's prefix answers 401 without the header, so the browser shows keel's sign-in page, not its own dialog.
    const ui = await call(trackingApi.searchExperiments, { max_results: 1 }, undefined, 'ajax-api')
    expect(ui.status).toBe(401)
    expect(ui.headers.get('www-authenticate')).toBeNull()
    expect((await call(trackingApi.searchExperiments, { max_results: 1 }, admin)).status).toBe(200)
  })

  it('says whether auth is on, and who the caller is, without credentials', async () => {
    expect(await ok(authApi.whoAmI, {}, undefined)).toEqual({ auth_enabled: true, default_permission: 'READ' })
    const me = await ok(authApi.whoAmI, {}, admin)
    expect(me.user).toMatchObject({ username: ADMIN.username, is_admin: true })
  })

  it('takes a personal access token as a bearer, lists it without its secret, and refuses it once revoked', async () => {
    const alice = await newUser('alice')
    const created = await ok(authApi.createToken, { name: 'laptop', expires_in_days: 30 }, alice)
    expect(created.token).toMatch(/^keel_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/)
    const bearer = { token: created.token as string }
    expect((await ok(authApi.currentUser, {}, bearer)).user.username).toBe(alice.user)
    const listed = await ok(authApi.listTokens, {}, alice)
    expect(listed.tokens).toEqual([expect.objectContaining({ token_id: created.token_info.token_id, name: 'laptop' })])
    expect(JSON.stringify(listed)).not.toContain(created.token.split('_')[2])
    // A changed secret is not the token, whatever its id.
    const forged = created.token.slice(0, -4) + (created.token.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    expect((await call(authApi.currentUser, {}, { token: forged })).status).toBe(401)
    // Another user cannot revoke it.
    const bob = await newUser('bob')
    expect((await call(authApi.revokeToken, { token_id: created.token_info.token_id }, bob)).status).toBe(404)
    expect((await call(authApi.currentUser, {}, bearer)).status).toBe(200)
    await ok(authApi.revokeToken, { token_id: created.token_info.token_id }, alice)
    const after = await call(authApi.currentUser, {}, bearer)
    expect(after.status).toBe(401)
    const again = await ok(authApi.listTokens, {}, alice)
    expect(again.tokens[0].revoked_time).toBeGreaterThan(0)
  })

  it('refuses a token lifetime out of range and a token without a name, naming the problem', async () => {
    const carol = await newUser('carol')
    const long = await call(authApi.createToken, { name: 'x', expires_in_days: 10_000 }, carol)
    expect(long.status).toBe(400)
    expect(long.json.message).toMatch(/expires_in_days must be a whole number of days from 1 to 730/)
    const nameless = await call(authApi.createToken, {}, carol)
    expect(nameless.status).toBe(400)
    expect(nameless.json.message).toMatch(/name/)
  })

  it('signs a browser in with an HttpOnly, SameSite=Strict session cookie, and out again', async () => {
    const dave = await newUser('dave')
    const bad = await call(authApi.signIn, { username: dave.user, password: 'wrong' }, undefined, 'ajax-api')
    expect(bad.status).toBe(401)
    expect(bad.headers.get('set-cookie')).toBeNull()
    const signedIn = await call(authApi.signIn, { username: dave.user, password: PASSWORD }, undefined, 'ajax-api')
    expect(signedIn.status).toBe(200)
    const setCookie = signedIn.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(/^keel_session=[^;]+;/)
    expect(setCookie).toMatch(/HttpOnly/i)
    expect(setCookie).toMatch(/SameSite=Strict/i)
    expect(setCookie).not.toMatch(/Secure/) // plain http on loopback
    const cookie = { cookie: setCookie.split(';')[0]! }
    expect((await call(authApi.whoAmI, {}, cookie, 'ajax-api')).json.user.username).toBe(dave.user)
    // A session is not a token: it does not show among the user's tokens.
    expect((await ok(authApi.listTokens, {}, dave)).tokens).toEqual([])
    const out = await call(authApi.signOut, {}, cookie, 'ajax-api')
    expect(out.status).toBe(200)
    expect(out.headers.get('set-cookie')).toMatch(/^keel_session=;.*Max-Age=0/i)
    // The old cookie no longer works, even if a browser kept it.
    expect((await call(trackingApi.searchExperiments, { max_results: 1 }, cookie, 'ajax-api')).status).toBe(401)
  })

  it('ends a deleted user’s tokens and a user’s access with the change of their password', async () => {
    const erin = await newUser('erin')
    const { token } = await ok(authApi.createToken, { name: 'ci' }, erin)
    await ok(authApi.updateUserPassword, { username: erin.user, password: 'a-new-password-9' }, admin)
    expect((await call(authApi.currentUser, {}, erin)).status).toBe(401)
    expect((await call(authApi.currentUser, {}, { user: erin.user, password: 'a-new-password-9' })).status).toBe(200)
    await ok(authApi.deleteUser, { username: erin.user }, admin)
    expect((await call(authApi.currentUser, {}, { token })).status).toBe(401)
  })
})

describe('what they may see and do', () => {
  it('hides experiments a user may not read from searches and refuses them directly, as MLflow does', async () => {
    const owner = await newUser('owner')
    const viewer = await newUser('viewer')
    const hidden = unique('hidden')
    const shown = unique('shown')
    const hiddenId = (await ok(trackingApi.createExperiment, { name: hidden }, owner)).experiment_id
    await ok(trackingApi.createExperiment, { name: shown }, owner)
    await ok(
      authApi.grantUserPermission,
      { username: viewer.user, resource_type: 'experiment', resource_id: hiddenId, permission: 'DENY' },
      admin,
    )

    const names = async (who: Credentials) =>
      (
        (
          await ok(
            trackingApi.searchExperiments,
            {
              max_results: 1000,
              filter: `name LIKE '${hidden.split('-')[0]}%' OR name LIKE '${shown.split('-')[0]}%'`,
            },
            who,
          )
        ).experiments ?? []
      ).map((e: { name: string }) => e.name)
    expect(await names(owner)).toEqual(expect.arrayContaining([hidden, shown]))
    const seen = await names(viewer)
    expect(seen).toContain(shown)
    expect(seen).not.toContain(hidden)
    expect((await call(trackingApi.getExperiment, { experiment_id: hiddenId }, viewer)).status).toBe(403)
    // Default READ: the viewer reads the other, but cannot write to it.
    const refused = await call(trackingApi.createRun, { experiment_id: hiddenId }, viewer)
    expect(refused.status).toBe(403)
    expect(refused.json.error_code).toBe('PERMISSION_DENIED')
  })

  it("lets /get-artifact read a run's file only for those who may read its experiment", async () => {
    const owner = await newUser('owner')
    const barred = await newUser('barred')
    const experimentId = (await ok(trackingApi.createExperiment, { name: unique('files') }, owner)).experiment_id
    const run = (await ok(trackingApi.createRun, { experiment_id: experimentId }, owner)).run
    const root = String(run.info.artifact_uri).replace(/^mlflow-artifacts:\/*/, '')
    const put = await server.fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${root}/notes.txt`, {
      method: 'PUT',
      headers: authHeader(owner),
      body: 'secret notes',
    })
    expect(put.status).toBe(200)
    await ok(
      authApi.grantUserPermission,
      { username: barred.user, resource_type: 'experiment', resource_id: experimentId, permission: 'DENY' },
      admin,
    )
    const get = (who: Credentials, param = 'run_uuid') =>
      server.fetch(`${server.url}/get-artifact?${param}=${run.info.run_id}&path=notes.txt`, {
        headers: authHeader(who),
      })
    const allowed = await get(owner)
    expect(allowed.status).toBe(200)
    expect(await allowed.text()).toBe('secret notes')
    expect((await get(owner, 'run_id')).status).toBe(200)
    const refused = await get(barred)
    expect(refused.status).toBe(403)
    expect(await refused.text()).not.toContain('secret notes')
    expect((await get(barred, 'run_id')).status).toBe(403)
    expect((await get(undefined)).status).toBe(401)
  })

  it('gives the creator of an experiment MANAGE on it, and lets them grant others', async () => {
    const creator = await newUser('creator')
    const helper = await newUser('helper')
    const id = (await ok(trackingApi.createExperiment, { name: unique('exp') }, creator)).experiment_id
    expect(
      await ok(
        authApi.getUserPermission,
        { username: creator.user, resource_type: 'experiment', resource_id: id },
        admin,
      ),
    ).toMatchObject({ permission: 'MANAGE' })
    expect((await call(trackingApi.createRun, { experiment_id: id }, helper)).status).toBe(403)
    await ok(
      authApi.grantUserPermission,
      { username: helper.user, resource_type: 'experiment', resource_id: id, permission: 'EDIT' },
      creator,
    )
    expect((await call(trackingApi.createRun, { experiment_id: id }, helper)).status).toBe(200)
    // EDIT is not MANAGE: the helper cannot grant anyone.
    expect(
      (
        await call(
          authApi.grantUserPermission,
          { username: helper.user, resource_type: 'experiment', resource_id: id, permission: 'MANAGE' },
          helper,
        )
      ).status,
    ).toBe(403)
  })
})

describe("a resource's access list", () => {
  it('shows its managers who holds what, and sets a permission in one step', async () => {
    const owner = await newUser('list-owner')
    const guest = await newUser('list-guest')
    const id = (await ok(trackingApi.createExperiment, { name: unique('shared') }, owner)).experiment_id
    // Not for a plain reader.
    expect(
      (await call(authApi.listResourceGrants, { resource_type: 'experiment', resource_id: id }, guest)).status,
    ).toBe(403)
    await ok(
      authApi.setUserPermission,
      { username: guest.user, resource_type: 'experiment', resource_id: id, permission: 'READ' },
      owner,
    )
    // A second set replaces the grant; MLflow's grant would refuse it.
    await ok(
      authApi.setUserPermission,
      { username: guest.user, resource_type: 'experiment', resource_id: id, permission: 'EDIT' },
      owner,
    )
    expect(
      (
        await call(
          authApi.grantUserPermission,
          { username: guest.user, resource_type: 'experiment', resource_id: id, permission: 'USE' },
          owner,
        )
      ).json.error_code,
    ).toBe('RESOURCE_ALREADY_EXISTS')
    const { grants } = await ok(authApi.listResourceGrants, { resource_type: 'experiment', resource_id: id }, owner)
    expect(grants).toEqual(
      expect.arrayContaining([
        { username: owner.user, resource_pattern: id, permission: 'MANAGE' },
        { username: guest.user, resource_pattern: id, permission: 'EDIT' },
      ]),
    )
    expect((await call(trackingApi.createRun, { experiment_id: id }, guest)).status).toBe(200)
    const bad = await call(
      authApi.setUserPermission,
      { username: guest.user, resource_type: 'experiment', resource_id: id, permission: 'NO_PERMISSIONS' },
      owner,
    )
    expect(bad.status).toBe(400)
    expect(bad.json.message).toMatch(/NO_PERMISSIONS/)
  })
})

describe('the audit log', () => {
  it('records each write with its actor, route, resource and outcome, refused ones included, for admins only', async () => {
    const frank = await newUser('frank')
    const since = Date.now() - 1
    const name = unique('audited')
    const id = (await ok(trackingApi.createExperiment, { name }, frank)).experiment_id
    const foreign = (await ok(trackingApi.createExperiment, { name: unique('foreign') }, admin)).experiment_id
    expect((await call(trackingApi.deleteExperiment, { experiment_id: foreign }, frank)).status).toBe(403)
    expect((await call(trackingApi.deleteExperiment, { experiment_id: foreign }, undefined)).status).toBe(401)

    expect((await call(authApi.searchAudit, {}, frank)).status).toBe(403)
    const { records } = await ok(authApi.searchAudit, { actor: frank.user, start_time: since, max_results: 100 }, admin)
    const created = records.find((r: any) => r.path === '/api/2.0/mlflow/experiments/create')
    expect(created).toMatchObject({
      actor: frank.user,
      authenticated: true,
      method: 'POST',
      status: 200,
    })
    expect(created.request_id).toMatch(/\S/)
    const denied = records.find((r: any) => r.path === '/api/2.0/mlflow/experiments/delete')
    expect(denied, JSON.stringify(records)).toMatchObject({
      actor: frank.user,
      status: 403,
      resource: { experiment: foreign },
    })
    // Reads are not writes.
    expect(records.some((r: any) => r.method === 'GET')).toBe(false)
    const anonymous = await ok(authApi.searchAudit, { start_time: since, max_results: 100 }, admin)
    expect(anonymous.records.find((r: any) => r.status === 401)).toMatchObject({
      authenticated: false,
      path: '/api/2.0/mlflow/experiments/delete',
    })
    expect(id).toMatch(/^\d+$/)
  })

  it('stays readable after a refused write that named a 5,000-character resource', async () => {
    const mallory = await newUser('mallory')
    const since = Date.now() - 1
    const long = 'z'.repeat(5000)
    const refused = await call(
      authApi.grantUserPermission,
      { username: mallory.user, resource_type: 'experiment', resource_id: long, permission: 'MANAGE' },
      mallory,
    )
    expect(refused.status).toBe(403)
    const { records } = await ok(authApi.searchAudit, { actor: mallory.user, start_time: since }, admin)
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({ status: 403, path: '/api/3.0/mlflow/users/permissions/grant' })
    expect(Object.values(records[0].resource ?? {}).every((v) => typeof v === 'string' && v.length <= 512)).toBe(true)
  })

  it('pages oldest first with a token, and refuses a bad page token or size by name', async () => {
    const gina = await newUser('gina')
    const since = Date.now() - 1
    for (let i = 0; i < 5; i++) await ok(trackingApi.createExperiment, { name: unique('paged') }, gina)
    const first = await ok(authApi.searchAudit, { actor: gina.user, start_time: since, max_results: 2 }, admin)
    expect(first.records).toHaveLength(2)
    const second = await ok(
      authApi.searchAudit,
      { actor: gina.user, start_time: since, max_results: 10, page_token: first.next_page_token },
      admin,
    )
    expect(second.records).toHaveLength(3)
    const seqs = [...first.records, ...second.records].map((r: any) => Number(r.seq))
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(second.next_page_token).toBeUndefined()
    // An empty token is no token: the first page again (MLflow's `if page_token:`).
    const again = await ok(
      authApi.searchAudit,
      { actor: gina.user, start_time: since, max_results: 2, page_token: '' },
      admin,
    )
    expect(again.records.map((r: any) => r.seq)).toEqual(first.records.map((r: any) => r.seq))
    const badToken = await call(authApi.searchAudit, { page_token: 'not a token' }, admin)
    expect(badToken.status).toBe(400)
    expect(badToken.json.message).toMatch(/page_token/)
    expect((await call(authApi.searchAudit, { max_results: 0 }, admin)).json.message).toMatch(
      "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer",
    )
  })
})

describe('protected aliases', () => {
  async function modelWithVersions(owner: Credentials): Promise<string> {
    const name = unique('guarded-model')
    const experimentId = (await ok(trackingApi.createExperiment, { name: unique('training') }, owner)).experiment_id
    const runId = (await ok(trackingApi.createRun, { experiment_id: experimentId }, owner)).run.info.run_id
    await ok(registryApi.createRegisteredModel, { name }, owner)
    for (let v = 0; v < 2; v++)
      await ok(registryApi.createModelVersion, { name, source: `runs:/${runId}/model`, run_id: runId }, owner)
    return name
  }

  it('moves a protected alias only through a second manager’s approval, and keeps the trail', async () => {
    const lead = await newUser('lead')
    const requester = await newUser('requester')
    const reader = await newUser('reader')
    const name = await modelWithVersions(lead)
    await ok(registryApi.setRegisteredModelAlias, { name, alias: 'champion', version: '1' }, lead)
    await ok(aliasApprovalsApi.setAliasProtection, { name, alias: 'champion', require_approval: true }, lead)
    await ok(
      authApi.grantUserPermission,
      { username: requester.user, resource_type: 'registered_model', resource_id: name, permission: 'MANAGE' },
      lead,
    )

    // Not even a manager moves it directly.
    const direct = await call(registryApi.setRegisteredModelAlias, { name, alias: 'champion', version: '2' }, requester)
    expect(direct.status).toBe(403)
    expect(direct.json.message).toMatch(/champion.*approval|approval.*champion/i)
    // A reader cannot even ask.
    expect(
      (
        await call(
          aliasApprovalsApi.createAliasRequest,
          { name, alias: 'champion', version: '2', comment: 'x' },
          reader,
        )
      ).status,
    ).toBe(403)

    const { request } = await ok(
      aliasApprovalsApi.createAliasRequest,
      { name, alias: 'champion', version: '2', comment: 'better AUC' },
      requester,
    )
    expect(request).toMatchObject({ status: 'pending', requested_by: requester.user })
    const own = await call(aliasApprovalsApi.approveAliasRequest, { request_id: request.request_id }, requester)
    expect(own.status).toBe(403)
    expect(own.json.message).toMatch(/second user/i)
    expect(
      (await ok(registryApi.getModelVersionByAlias, { name, alias: 'champion' }, admin)).model_version.version,
    ).toBe('1')

    const approved = await ok(
      aliasApprovalsApi.approveAliasRequest,
      { request_id: request.request_id, comment: 'checked' },
      lead,
    )
    expect(approved.request).toMatchObject({ status: 'approved', decided_by: lead.user })
    expect(
      (await ok(registryApi.getModelVersionByAlias, { name, alias: 'champion' }, admin)).model_version.version,
    ).toBe('2')
    // Decided once.
    expect((await call(aliasApprovalsApi.rejectAliasRequest, { request_id: request.request_id }, lead)).status).toBe(
      400,
    )
    const listed = await ok(aliasApprovalsApi.listAliasRequests, { name }, reader)
    expect(listed.requests).toEqual([expect.objectContaining({ request_id: request.request_id, status: 'approved' })])
    // The registry's trail, oldest last: protected, requested by one, approved and moved by the other.
    const { events } = await ok(registryApi.searchRegistryEvents, { name }, reader)
    const trail = events
      .filter((e: any) => e.alias === 'champion')
      .map((e: any) => [e.kind, e.actor])
      .reverse()
    expect(trail).toEqual([
      ['alias_set', lead.user],
      ['alias_protected', lead.user],
      ['alias_change_requested', requester.user],
      ['alias_change_approved', lead.user],
      ['alias_set', lead.user],
    ])
  })

  it('refuses to delete the version an approval-protected alias points to, or a model with protected aliases', async () => {
    const owner = await newUser('keeper')
    const name = await modelWithVersions(owner)
    await ok(registryApi.setRegisteredModelAlias, { name, alias: 'prod', version: '1' }, owner)
    await ok(aliasApprovalsApi.setAliasProtection, { name, alias: 'prod', require_approval: true }, owner)
    const version = await call(registryApi.deleteModelVersion, { name, version: '1' }, owner)
    expect(version.status).toBe(403)
    expect(version.json.message).toMatch(/Alias 'prod' .* is protected/)
    const model = await call(registryApi.deleteRegisteredModel, { name }, owner)
    expect(model.status).toBe(400)
    expect(model.json.message).toMatch(/protected aliases \(prod\)/)
    await ok(registryApi.deleteModelVersion, { name, version: '2' }, owner)
    await ok(aliasApprovalsApi.deleteAliasProtection, { name, alias: 'prod' }, owner)
    await ok(registryApi.deleteModelVersion, { name, version: '1' }, owner)
  })
})
