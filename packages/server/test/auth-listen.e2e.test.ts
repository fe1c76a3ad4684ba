/**
 * Where `keel server` listens, with and without authentication, over the built CLI: the refusal to
 * start beyond loopback without authentication (its exit status and message), and the peer address
 * the audit log records, which comes from the socket. Everything else about authentication is
 * tested in-process in auth-api.test.ts.
 */
import { spawnSync } from 'node:child_process'
import { authApi, trackingApi } from '@keel/contracts'
import { describe, expect, it } from 'vitest'
import { KEEL_BIN, startKeelServer } from './support/keel-server.js'

const ADMIN = { username: 'admin', password: 'admin-password-1' }

describe('the audit log over a socket', () => {
  it("records the address of the peer that wrote, as its connection's", async () => {
    const server = await startKeelServer({
      args: ['--app-name', 'basic-auth'],
      env: { MLFLOW_AUTH_ADMIN_USERNAME: ADMIN.username, MLFLOW_AUTH_ADMIN_PASSWORD: ADMIN.password },
    })
    try {
      const authorization = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`
      const created = await fetch(
        `${server.url}/api/${trackingApi.createExperiment.major}.0${trackingApi.createExperiment.path}`,
        {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'addressed' }),
        },
      )
      expect(created.status).toBe(200)
      const search = await fetch(
        `${server.url}/api/${authApi.searchAudit.major}.0${authApi.searchAudit.path}?actor=${ADMIN.username}`,
        { headers: { authorization } },
      )
      expect(search.status).toBe(200)
      const { records } = (await search.json()) as { records: { path: string; address: string }[] }
      expect(records.find((r) => r.path === '/api/2.0/mlflow/experiments/create')).toMatchObject({
        address: expect.stringMatching(/127\.0\.0\.1/),
      })
    } finally {
      await server.close()
    }
  })
})

describe('starting beyond loopback', () => {
  it('refuses --host 0.0.0.0 without auth, naming both ways out, and exits 2', () => {
    const res = spawnSync(process.execPath, [KEEL_BIN, 'server', '--host', '0.0.0.0', '--port', '0'], {
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(res.status).toBe(2)
    expect(res.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without authentication/)
    expect(res.stderr).toMatch(/--app-name basic-auth/)
    expect(res.stderr).toMatch(/--no-auth/)
  })
})
