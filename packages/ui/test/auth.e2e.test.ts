/**
 * The UI under authentication (`keel server --app-name basic-auth`) in a real Chromium against a
 * real server: sign-in (a wrong password said on the page, no browser password pop-up, then the
 * page asked for), the signed-in name in place of "Acting as", personal access tokens (shown
 * once, working as Bearer, refused once revoked), an admin's grants through the Permissions panels
 * (READ only hides the write controls with the permission state; DENY gives the designed 403),
 * a protected alias moved by a request another user approves (two browser contexts), a session
 * that ends mid-page returning to sign-in with the address, and signing out.
 */
import { type Endpoint, aliasApprovalsApi, authApi, registryApi, trackingApi } from '@keel/contracts'
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelServer, startKeelServer } from '../../server/test/support/keel-server.js'
import { CHROMIUM, watchErrors } from './support/browser.js'

const PASSWORDS: Record<string, string> = {
  admin: 'admin-password-1',
  alice: 'alice-password-1',
  bob: 'bob-password-123',
  carol: 'carol-password-1',
  dave: 'dave-password-12',
}
const MODEL = 'credit-scorer'
const TOKEN_FORMAT = /^keel_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/

let server: KeelServer
let browser: Browser
let experimentId = ''
const contexts: BrowserContext[] = []
/** Responses that would make a browser pop up its own password box. */
const popups: string[] = []

/** A REST call as `user` (HTTP basic), or with `bearer`. */
async function rest(who: { user: string } | { bearer: string }, endpoint: Endpoint, body: Record<string, unknown>) {
  const rest = { ...body }
  const path = endpoint.path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(String(rest[k])))
  let url = `${server.url}/api/${endpoint.major}.0${path}`
  const headers: Record<string, string> = {
    authorization:
      'user' in who
        ? `Basic ${Buffer.from(`${who.user}:${PASSWORDS[who.user]}`).toString('base64')}`
        : `Bearer ${who.bearer}`,
  }
  const init: RequestInit = { method: endpoint.method, headers }
  if (endpoint.method === 'GET') url += `?${new URLSearchParams(rest as Record<string, string>)}`
  else {
    init.body = JSON.stringify(rest)
    headers['content-type'] = 'application/json'
  }
  const res = await fetch(url, init)
  return { status: res.status, json: (await res.json()) as any }
}

async function ok(user: string, endpoint: Endpoint, body: Record<string, unknown>) {
  const res = await rest({ user }, endpoint, body)
  if (res.status !== 200) throw new Error(`${endpoint.path} as ${user}: ${res.status} ${JSON.stringify(res.json)}`)
  return res.json
}

/** A new browser context (its own cookies), with its pages' password pop-up risks recorded. */
async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  context.setDefaultTimeout(10_000)
  context.on('response', (r) => {
    if (r.headers()['www-authenticate']) popups.push(`${r.status()} ${r.url()}`)
  })
  contexts.push(context)
  return context
}

/** Signs a context in through the API the sign-in page uses (the session cookie lands in the context). */
async function signInContext(context: BrowserContext, user: string): Promise<void> {
  const res = await context.request.post(`${server.url}/ajax-api/2.0/keel/auth/sign-in`, {
    data: { username: user, password: PASSWORDS[user] },
  })
  expect(res.status()).toBe(200)
}

/** The page's errors, less the refused requests a test provokes on purpose (401 wrong password or ended session, 403 refusals). */
const unexpected = (errors: string[]) => errors.filter((e) => !/responded with a status of 40[13]/.test(e))
const signedInName = (page: Page) => page.getByTestId('signed-in-user').textContent()

/** A run with a READY logged model named `model`, registered as a new version of `name`. */
async function registerVersion(name: string): Promise<void> {
  const run = (await ok('admin', trackingApi.createRun, { experiment_id: experimentId, start_time: Date.now() })).run
    .info.run_id as string
  const model = (
    await ok('admin', trackingApi.createLoggedModel, { experiment_id: experimentId, name: 'model', source_run_id: run })
  ).model.info.model_id
  await ok('admin', trackingApi.finalizeLoggedModel, { model_id: model, status: 'LOGGED_MODEL_READY' })
  await ok('admin', registryApi.createModelVersion, { name, source: `runs:/${run}/model`, run_id: run })
}

beforeAll(async () => {
  server = await startKeelServer({
    args: ['--app-name', 'basic-auth', '--monitor-interval', '0'],
    env: { MLFLOW_AUTH_ADMIN_USERNAME: 'admin', MLFLOW_AUTH_ADMIN_PASSWORD: PASSWORDS.admin! },
  })
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
  for (const user of ['alice', 'bob', 'carol'])
    await ok('admin', authApi.createUser, { username: user, password: PASSWORDS[user] })
  experimentId = (await ok('admin', trackingApi.createExperiment, { name: 'credit-risk' })).experiment_id
  await ok('admin', registryApi.createRegisteredModel, { name: MODEL, description: 'Scores loan applications.' })
  await registerVersion(MODEL)
  await registerVersion(MODEL)
  await ok('admin', registryApi.setRegisteredModelAlias, { name: MODEL, alias: 'champion', version: '1' })
  await ok('admin', aliasApprovalsApi.setAliasProtection, { name: MODEL, alias: 'champion', require_approval: true })
  for (const user of ['alice', 'bob']) {
    await ok('admin', authApi.grantUserPermission, {
      username: user,
      resource_type: 'registered_model',
      resource_id: MODEL,
      permission: 'MANAGE',
    })
  }
})

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined)
  await browser?.close()
  await server?.close()
})

describe('the UI under authentication', () => {
  let alice: Page

  it('signs in on its own page: a wrong password is said there, the right one opens the page asked for with the name in place of "Acting as"', async () => {
    const context = await newContext()
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url })
    alice = await context.newPage()
    const errors = watchErrors(alice)
    await alice.goto(`${server.url}/models/${MODEL}?manage=2`)
    await expect
      .poll(() => alice.url())
      .toBe(`${server.url}/sign-in?next=${encodeURIComponent(`/models/${MODEL}?manage=2`)}`)
    expect(await alice.getByLabel('Acting as').count()).toBe(0)
    await alice.getByLabel('User name').fill('alice')
    await alice.getByLabel('Password').fill('not-her-password')
    await alice.screenshot({ path: '/tmp/ui-auth-sign-in.png', fullPage: true })
    await alice.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => alice.getByRole('alert').textContent()).toBe('Wrong user name or password.')
    expect(await alice.getByLabel('Password').inputValue()).toBe('')
    expect(await alice.getByLabel('Password').getAttribute('aria-invalid')).toBe('true')
    expect(new URL(alice.url()).pathname).toBe('/sign-in')
    await alice.screenshot({ path: '/tmp/ui-auth-sign-in-error.png', fullPage: true })

    await alice.getByLabel('Password').fill(PASSWORDS.alice!)
    await alice.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => alice.url()).toBe(`${server.url}/models/${MODEL}?manage=2`)
    await expect.poll(() => alice.getByRole('heading', { name: MODEL }).count()).toBe(1)
    expect(await signedInName(alice)).toBe('alice')
    expect(await alice.getByLabel('Acting as').count()).toBe(0)
    expect(await alice.getByRole('link', { name: 'Users' }).count()).toBe(0) // admins only
    // The session is a cookie the page's scripts cannot read.
    expect(await alice.evaluate(() => document.cookie)).toBe('')
    expect(popups).toEqual([])
    expect(unexpected(errors)).toEqual([])
  })

  it('creates a token shown once with a copy button, that works as Bearer until it is revoked', async () => {
    const errors = watchErrors(alice)
    alice.on('dialog', (d) => void d.accept())
    await alice.getByRole('link', { name: 'Tokens' }).click()
    await expect.poll(() => alice.getByRole('heading', { name: 'Access tokens' }).count()).toBe(1)
    await expect.poll(() => alice.getByText('No tokens yet').count()).toBe(1)
    await alice.getByLabel('Name (what it is for)').fill('nightly-training')
    await alice.getByLabel('Expires after').selectOption('30')
    await alice.getByRole('button', { name: 'Create token' }).click()
    const secretBox = alice.getByLabel('The new token')
    await expect.poll(() => secretBox.inputValue()).toMatch(TOKEN_FORMAT)
    const secret = await secretBox.inputValue()
    expect(await alice.locator('.token-fresh').textContent()).toContain('won’t be shown again')
    await alice.getByRole('button', { name: 'Copy' }).click()
    await expect.poll(() => alice.locator('.token-fresh [role=status]').textContent()).toBe('Copied')
    expect(await alice.evaluate(() => navigator.clipboard.readText())).toBe(secret)
    const row = alice.locator('.tokens-table tr', { hasText: 'nightly-training' })
    await expect.poll(() => row.textContent()).toContain('active')
    expect(await row.textContent()).toContain('in 30 days')
    await alice.screenshot({ path: '/tmp/ui-auth-tokens.png', fullPage: true })

    const me = await rest({ bearer: secret }, authApi.currentUser, {})
    expect(me.status).toBe(200)
    expect(me.json.user.username).toBe('alice')
    await expect.poll(() => row.textContent()).toBeTruthy()

    // Shown once: after Done, and on a fresh load, the secret is nowhere on the page.
    await alice.getByRole('button', { name: 'Done' }).click()
    await alice.reload()
    await expect.poll(() => row.textContent()).toContain('nightly-training')
    expect(await alice.content()).not.toContain(secret.slice(22))

    await alice.getByRole('button', { name: 'Revoke token nightly-training' }).click()
    await expect.poll(() => row.textContent()).toContain('revoked')
    expect(await alice.getByRole('button', { name: 'Revoke token nightly-training' }).count()).toBe(0)
    expect((await rest({ bearer: secret }, authApi.currentUser, {})).status).toBe(401)
    expect(unexpected(errors)).toEqual([])
  })

  it('an admin grants READ only: the write controls go, with the permission state; a DENY shows the designed 403', async () => {
    // carol creates her model (so she manages it) and logs to the experiment.
    await ok('carol', registryApi.createRegisteredModel, { name: 'carol-model' })
    const carolContext = await newContext()
    await signInContext(carolContext, 'carol')
    const carol = await carolContext.newPage()
    const carolErrors = watchErrors(carol)
    await carol.goto(`${server.url}/models/carol-model`)
    await expect.poll(() => carol.getByRole('button', { name: 'Register a new version' }).count()).toBe(1)
    expect(await carol.getByRole('button', { name: 'Permissions' }).count()).toBe(1)
    expect(await carol.getByRole('button', { name: 'Edit description' }).count()).toBe(1)
    // A manager who is not an admin sees who holds what on her model too.
    await carol.getByRole('button', { name: 'Permissions' }).click()
    await expect
      .poll(() => carol.locator('.permissions-panel .grants-table').textContent())
      .toContain('carolMANAGEdirectly')
    await carol.locator('.permissions-panel').getByRole('button', { name: 'Close' }).click()

    const adminContext = await newContext()
    await signInContext(adminContext, 'admin')
    const admin = await adminContext.newPage()
    const adminErrors = watchErrors(admin)
    await admin.goto(`${server.url}/models/carol-model`)
    expect(await signedInName(admin)).toBe('admin')
    await admin.getByRole('button', { name: 'Permissions' }).click()
    const panel = admin.locator('.permissions-panel')
    await expect.poll(() => panel.locator('.grants-table').textContent()).toContain('carolMANAGEdirectly')
    await panel.getByLabel('User', { exact: true }).selectOption('carol')
    await panel.getByLabel('Permission', { exact: true }).selectOption('READ')
    await panel.getByRole('button', { name: 'Grant', exact: true }).click()
    await expect
      .poll(() => panel.getByRole('status').textContent())
      .toBe('carol now has READ on registered model ‘carol-model’.')
    await expect.poll(() => panel.locator('.grants-table').textContent()).toContain('carolREADdirectly')
    await admin.screenshot({ path: '/tmp/ui-auth-permissions-panel.png', fullPage: true })

    // carol's open page follows (it re-reads her permission as it refreshes).
    await expect
      .poll(() => carol.getByRole('button', { name: 'Register a new version' }).count(), { timeout: 12_000 })
      .toBe(0)
    const notice = carol.getByRole('note', { name: 'Your permission' })
    await expect
      .poll(() => notice.textContent())
      .toContain('You have READ on registered model ‘carol-model’; changing it needs EDIT')
    expect(await carol.getByRole('button', { name: 'Edit description' }).count()).toBe(0)
    expect(await carol.getByRole('button', { name: 'Permissions' }).count()).toBe(0)
    // The server refuses what the hidden controls would do.
    expect(
      (await rest({ user: 'carol' }, registryApi.updateRegisteredModel, { name: 'carol-model', description: 'x' }))
        .status,
    ).toBe(403)
    await carol.screenshot({ path: '/tmp/ui-auth-read-only.png', fullPage: true })

    // The experiment's own Permissions panel: DENY shuts carol out, and her page says so.
    await admin.goto(`${server.url}/experiments/${experimentId}`)
    await admin.getByRole('button', { name: 'Permissions' }).click()
    await panel.getByLabel('User', { exact: true }).selectOption('carol')
    await panel.getByLabel('Permission', { exact: true }).selectOption('DENY')
    await panel.getByRole('button', { name: 'Grant', exact: true }).click()
    await expect.poll(() => panel.locator('.grants-table').textContent()).toContain('carolDENYdirectly')
    await admin.screenshot({ path: '/tmp/ui-auth-experiment-permissions.png', fullPage: true })
    await carol.goto(`${server.url}/experiments/${experimentId}`)
    const denied = carol.locator('.state-denied')
    await expect.poll(() => denied.textContent()).toContain('You don’t have permission')
    expect(await denied.textContent()).toContain(
      `carol needs READ on experiment '${experimentId}' to read it (has DENY)`,
    )
    await carol.screenshot({ path: '/tmp/ui-auth-denied.png', fullPage: true })
    // Users are the admins' page: carol gets the state, not a broken page.
    await carol.goto(`${server.url}/users`)
    await expect.poll(() => denied.textContent()).toContain('Managing users is for admins, and carol is not one.')

    // The admin's Users page: what each holds; create a user, make them an admin and not, delete them.
    admin.on('dialog', (d) => void d.accept())
    await admin.getByRole('link', { name: 'Users' }).click()
    const carolRow = admin.locator('.users-table tbody tr', { hasText: 'carol' })
    await expect.poll(() => carolRow.textContent()).toContain('registered model carol-model READ')
    expect(await carolRow.textContent()).toContain(`experiment ${experimentId} DENY`)
    await admin.getByLabel('User name').fill('dave')
    await admin.getByLabel('Password (at least 12 characters)').fill('too-short')
    await admin.getByRole('button', { name: 'Create user' }).click()
    await expect
      .poll(() => admin.locator('.user-form [role=alert]').textContent())
      .toBe('A password has at least 12 characters.')
    await admin.getByLabel('Password (at least 12 characters)').fill(PASSWORDS.dave!)
    await admin.getByRole('button', { name: 'Create user' }).click()
    const daveRow = admin.locator('.users-table tbody tr', { hasText: 'dave' })
    await expect.poll(() => daveRow.textContent()).toContain('the default only')
    await daveRow.getByRole('button', { name: 'Make dave an admin' }).click()
    await expect.poll(() => daveRow.getByRole('button', { name: 'Remove admin from dave' }).count()).toBe(1)
    expect((await ok('admin', authApi.getUser, { username: 'dave' })).user.is_admin).toBe(true)
    await admin.screenshot({ path: '/tmp/ui-auth-users.png', fullPage: true })
    await daveRow.getByRole('button', { name: 'Remove admin from dave' }).click()
    await expect.poll(() => daveRow.getByRole('button', { name: 'Make dave an admin' }).count()).toBe(1)
    await daveRow.getByRole('button', { name: 'Delete dave' }).click()
    await expect.poll(() => daveRow.count()).toBe(0)
    expect((await rest({ user: 'dave' }, authApi.currentUser, {})).status).toBe(401)
    // An admin does not demote or delete themselves from here.
    expect(await admin.locator('.users-table tbody tr', { hasText: 'you' }).getByRole('button').count()).toBe(0)
    expect(unexpected(carolErrors)).toEqual([])
    expect(unexpected(adminErrors)).toEqual([])
  })

  it('moves a protected alias by request: the requester cannot approve her own, another manager approves and it moves', async () => {
    const errors = watchErrors(alice)
    await alice.goto(`${server.url}/models/${MODEL}?manage=2`)
    const chip = alice.locator('.model-header .alias-chip', { hasText: 'champion' })
    await expect.poll(() => chip.getAttribute('class')).toContain('alias-protected')
    expect(await chip.getByRole('button', { name: 'Delete alias champion' }).count()).toBe(0)
    const form = alice.getByRole('form', { name: 'Set an alias on version 2' })
    await form.getByLabel('Alias').fill('champion')
    await expect.poll(() => form.getByRole('button', { name: 'Request change' }).count()).toBe(1)
    await form.getByLabel('Why (the approver sees it; kept in the audit trail)').fill('v2 wins the backtest: AUC 0.87')
    await form.getByRole('button', { name: 'Request change' }).click()
    await expect.poll(() => form.getByRole('status').textContent()).toContain('waiting for another user’s approval')
    const request = alice.getByRole('listitem', { name: 'Request to move @champion to v2' })
    await expect.poll(() => request.textContent()).toContain('requested by alice')
    expect(await request.textContent()).toContain('v1 → v2')
    expect(await request.getByRole('button', { name: 'Cancel request' }).count()).toBe(1)
    expect(await request.getByRole('button', { name: 'Approve' }).count()).toBe(0)
    const pending = await ok('alice', aliasApprovalsApi.listAliasRequests, { name: MODEL, status: 'pending' })
    const requestId = pending.requests[0].request_id as string
    expect(
      (await rest({ user: 'alice' }, aliasApprovalsApi.approveAliasRequest, { request_id: requestId })).status,
    ).toBe(403)
    await alice.screenshot({ path: '/tmp/ui-auth-model-pending-requester.png', fullPage: true })

    const bobContext = await newContext()
    await signInContext(bobContext, 'bob')
    const bob = await bobContext.newPage()
    const bobErrors = watchErrors(bob)
    await bob.goto(`${server.url}/models/${MODEL}`)
    const seen = bob.getByRole('listitem', { name: 'Request to move @champion to v2' })
    await expect.poll(() => seen.textContent()).toContain('v2 wins the backtest: AUC 0.87')
    expect(await seen.getByRole('button', { name: 'Cancel request' }).count()).toBe(0)
    await seen.getByLabel('Comment on the decision').fill('checked the backtest')
    await bob.screenshot({ path: '/tmp/ui-auth-model-pending.png', fullPage: true })
    await seen.getByRole('button', { name: 'Approve' }).click()
    await expect.poll(() => bob.locator('.model-header').textContent()).toContain('champion → v2')
    // The header and the pending list reload separately: wait for the list too.
    await expect.poll(() => seen.count()).toBe(0)
    expect(
      (await ok('bob', registryApi.getModelVersionByAlias, { name: MODEL, alias: 'champion' })).model_version.version,
    ).toBe('2')
    await expect
      .poll(() => bob.locator('.audit-trail tbody tr').first().textContent())
      .toMatch(/bob.*(Approved an alias change|Set alias)/)

    // alice's page follows: the alias moved and her request is gone.
    await expect
      .poll(() => alice.locator('.model-header').textContent(), { timeout: 12_000 })
      .toContain('champion → v2')
    await expect.poll(() => request.count()).toBe(0)
    expect(unexpected(errors)).toEqual([])
    expect(unexpected(bobErrors)).toEqual([])
  })

  it('a session that ends returns to sign-in with the address to come back to; signing out returns to sign-in', async () => {
    const context = alice.context()
    await alice.goto(`${server.url}/models/${MODEL}?manage=1`)
    await expect.poll(() => signedInName(alice)).toBe('alice')
    // The session ends (the cookie is gone): the page's next refresh is refused with 401.
    await context.clearCookies()
    await expect
      .poll(() => alice.url(), { timeout: 12_000 })
      .toBe(`${server.url}/sign-in?next=${encodeURIComponent(`/models/${MODEL}?manage=1`)}`)
    expect(await alice.getByRole('status').textContent()).toContain('Your session has ended')
    await alice.getByLabel('User name').fill('alice')
    await alice.getByLabel('Password').fill(PASSWORDS.alice!)
    await alice.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => alice.url()).toBe(`${server.url}/models/${MODEL}?manage=1`)

    await alice.getByRole('button', { name: 'Sign out' }).click()
    await expect.poll(() => alice.url()).toBe(`${server.url}/sign-in`)
    expect(await alice.getByRole('status').textContent()).toBe('You are signed out.')
    const who = await context.request.get(`${server.url}/ajax-api/2.0/keel/auth/whoami`)
    expect(((await who.json()) as { user?: unknown }).user).toBeUndefined()
    await alice.goto(`${server.url}/tokens`)
    await expect.poll(() => alice.url()).toBe(`${server.url}/sign-in?next=%2Ftokens`)

    // Sign-in returns only to a page of this app, never to another site named in ?next=.
    await alice.goto(`${server.url}/sign-in?next=${encodeURIComponent('//evil.example/phish')}`)
    await alice.getByLabel('User name').fill('alice')
    await alice.getByLabel('Password').fill(PASSWORDS.alice!)
    await alice.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => alice.url()).toBe(`${server.url}/`)
    await expect.poll(() => signedInName(alice)).toBe('alice')
    expect(popups).toEqual([])
  })
})
