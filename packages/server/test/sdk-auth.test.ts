/**
 * @keel/sdk with authentication on: credentials from options or MLflow's variables, keel.auth
 * (who am I, users, grants, tokens, the audit log) and the registry's protected aliases, against
 * `keel server --app-name basic-auth` in-process (the SDK sends through the app's request function).
 */
import { createKeel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'

const ADMIN = { username: 'admin', password: 'admin-password-1' }
let server: InProcessKeel

beforeAll(async () => {
  server = await startKeelApp({
    args: ['--app-name', 'basic-auth'],
    env: { MLFLOW_AUTH_ADMIN_USERNAME: ADMIN.username, MLFLOW_AUTH_ADMIN_PASSWORD: ADMIN.password },
  })
})
afterAll(async () => {
  await server?.close()
})

describe('@keel/sdk under auth', () => {
  it('signs in with a password or a token, and fails without credentials with the server’s words', async () => {
    const admin = createKeel({ trackingUri: server.url, fetch: server.fetch, ...ADMIN })
    expect(await admin.auth.whoAmI()).toMatchObject({ authEnabled: true, user: { username: 'admin', isAdmin: true } })
    await admin.auth.createUser('sdk-ann', 'ann-password-123')
    const ann = createKeel({
      trackingUri: server.url,
      fetch: server.fetch,
      username: 'sdk-ann',
      password: 'ann-password-123',
    })
    expect((await ann.auth.currentUser()).username).toBe('sdk-ann')

    const { token, info } = await ann.auth.createToken('notebook', 7)
    const viaToken = createKeel({ trackingUri: server.url, fetch: server.fetch, token })
    expect((await viaToken.auth.currentUser()).username).toBe('sdk-ann')
    expect(info.expiresTime - info.createdTime).toBe(7 * 86_400_000)
    expect((await ann.auth.listTokens()).map((t) => t.name)).toEqual(['notebook'])
    await ann.auth.revokeToken(info.tokenId)
    await expect(viaToken.auth.currentUser()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })

    const anonymous = createKeel({ trackingUri: server.url, fetch: server.fetch, token: '' })
    await expect(anonymous.client.createExperiment('nope')).rejects.toThrow(/not authenticated/)
  })

  it('grants and reads permissions, and the audit log shows who did what', async () => {
    const admin = createKeel({ trackingUri: server.url, fetch: server.fetch, ...ADMIN })
    await admin.auth.createUser('sdk-bo', 'bo-password-1234')
    const bo = createKeel({
      trackingUri: server.url,
      fetch: server.fetch,
      username: 'sdk-bo',
      password: 'bo-password-1234',
    })
    const experimentId = await admin.client.createExperiment('sdk-guarded')
    await expect(bo.client.createRun({ experimentId })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' })
    await admin.auth.grantPermission('sdk-bo', 'experiment', experimentId, 'EDIT')
    expect(await admin.auth.getPermission('sdk-bo', 'experiment', experimentId)).toMatchObject({ permission: 'EDIT' })
    const run = await bo.client.createRun({ experimentId })
    expect(run.info.experimentId).toBe(experimentId)
    const { records } = await admin.auth.searchAudit({ actor: 'sdk-bo' })
    expect(records.map((r) => [r.path, r.status])).toEqual([
      ['/api/2.0/mlflow/runs/create', 403],
      ['/api/2.0/mlflow/runs/create', 200],
    ])
  })

  it('moves a protected alias through a request and another user’s approval', async () => {
    const admin = createKeel({ trackingUri: server.url, fetch: server.fetch, ...ADMIN })
    await admin.auth.createUser('sdk-cy', 'cy-password-1234')
    const cy = createKeel({
      trackingUri: server.url,
      fetch: server.fetch,
      username: 'sdk-cy',
      password: 'cy-password-1234',
    })
    const experimentId = await admin.client.createExperiment('sdk-models')
    const run = await admin.client.createRun({ experimentId })
    await admin.registry.createRegisteredModel('sdk-iris')
    for (let i = 0; i < 2; i++)
      await admin.registry.createModelVersion('sdk-iris', `runs:/${run.info.runId}/model`, { runId: run.info.runId })
    await admin.registry.setRegisteredModelAlias('sdk-iris', 'champion', '1')
    await admin.registry.protectAlias('sdk-iris', 'champion', { requireApproval: true })
    await admin.auth.grantPermission('sdk-cy', 'registered_model', 'sdk-iris', 'MANAGE')
    expect(await cy.registry.listAliasProtections('sdk-iris')).toEqual([
      expect.objectContaining({ alias: 'champion', requireApproval: true }),
    ])

    await expect(cy.registry.setRegisteredModelAlias('sdk-iris', 'champion', '2')).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    })
    const request = await cy.registry.requestAliasChange('sdk-iris', 'champion', '2', { comment: 'v2 wins offline' })
    expect(request).toMatchObject({
      status: 'pending',
      requestedBy: 'sdk-cy',
      version: '2',
      comment: 'v2 wins offline',
    })
    await expect(cy.registry.approveAliasChange(request.requestId)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' })
    const approved = await admin.registry.approveAliasChange(request.requestId, { comment: 'ok' })
    expect(approved).toMatchObject({ status: 'approved', decidedBy: 'admin', decisionComment: 'ok' })
    expect((await cy.registry.getModelVersionByAlias('sdk-iris', 'champion')).version).toBe('2')
    expect((await cy.registry.listAliasChanges({ name: 'sdk-iris', status: 'approved' })).items).toHaveLength(1)
  })
})
