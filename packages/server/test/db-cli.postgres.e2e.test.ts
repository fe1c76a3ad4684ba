/**
 * `keel db upgrade`, `keel db copy` and `keel server` on PostgreSQL as a user runs them (the built
 * CLI): what they print, `--json`, and the start-up errors of a wrong URI or credentials, which name
 * what failed and never show the password.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { KEEL_BIN, startKeelServer } from './support/keel-server.js'
import { type FreshPostgres, freshPostgres, postgresUri } from './support/postgres.js'

const scratch = mkdtempSync(join(tmpdir(), 'keel-db-cli-'))
const databases: FreshPostgres[] = []
afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()))
  rmSync(scratch, { recursive: true, force: true })
})

async function fresh(): Promise<FreshPostgres> {
  const d = await freshPostgres({ migrated: false })
  databases.push(d)
  return d
}

async function keel(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [KEEL_BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/** The URI with another password. */
const withPassword = (uri: string, password: string) => uri.replace(/:[^:@/]+@/, `:${password}@`)

describe('keel db upgrade', () => {
  it('migrates an empty database, then says it is up to date; --json for scripts', async () => {
    const { uri } = await fresh()
    const first = await keel('db', 'upgrade', uri)
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/upgraded: 0001-tracking, 0002-registry, .*0011-jobs/)
    expect(first.stdout).not.toContain('keel-test-password')
    const again = await keel('db', 'upgrade', uri.replace('postgresql://', 'postgresql+psycopg2://'), '--json')
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ applied: [], latest: expect.stringMatching(/^\d{4}-/) })
  })

  it('names what failed on a wrong password, host or database, without showing the password', async () => {
    const { uri } = await fresh()
    const wrong = await keel('db', 'upgrade', withPassword(uri, 'not-the-password'))
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/authentication failed/)
    expect(wrong.stderr).not.toContain('not-the-password')
    const refused = await keel('db', 'upgrade', uri.replace(/@127\.0\.0\.1:\d+\//, '@127.0.0.1:1/'))
    expect(refused.stderr).toMatch(/connection refused \(is PostgreSQL running/)
    const missing = await keel('db', 'upgrade', postgresUri('no_such_database'))
    expect(missing.stderr).toMatch(/database "no_such_database" does not exist/)
  })
})

describe('keel server on PostgreSQL', () => {
  it('refuses to start with wrong credentials, naming the store and the cause', async () => {
    const { uri } = await fresh()
    const result = await keel('server', '--port', '0', '--backend-store-uri', withPassword(uri, 'nope-nope'))
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /Cannot open the PostgreSQL store postgresql:\/\/keel:\*\*\*@127\.0\.0\.1:\d+\/\w+: authentication failed/,
    )
    expect(result.stderr).not.toContain('nope-nope')
  })
})

describe('keel db copy', () => {
  it('copies a SQLite store a server wrote into PostgreSQL, and prints what it copied', async () => {
    const server = await startKeelServer()
    const created = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'to-be-copied' }),
    })
    expect(created.status).toBe(200)
    await server.stop()
    const { uri } = await fresh()
    const copied = await keel('db', 'copy', '--from', `sqlite:///${server.dbPath}`, '--to', uri)
    expect(copied.code, copied.stderr).toBe(0)
    expect(copied.stdout, copied.stdout).toMatch(/│ experiments\s+│ 2\s+│/)
    expect(copied.stdout).toMatch(/copied \d+ rows in \d+ tables from sqlite:\/\/\/.* to postgresql:\/\/keel:\*\*\*@/)
    const again = await keel('db', 'copy', '--from', `sqlite:///${server.dbPath}`, '--to', uri, '--json')
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/target is not empty/)
    await server.close()
  })
})
