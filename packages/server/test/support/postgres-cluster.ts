/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` in a temporary folder, `pg_ctl`
 * listening on 127.0.0.1 on a free port, removed when stopped. PostgreSQL refuses to run as root,
 * so under root the cluster belongs to the `postgres` user Debian's package creates, and its
 * commands run through `runuser`.
 *
 * The cluster collates with ICU's en-US, as a database created on a typical server does, so that
 * a search whose order depended on the database's collation would show it (SQLite compares bytes).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process'
import { promisify } from 'node:util'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'

export interface PostgresCluster {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: string
  /** A connection URI to `database` on this cluster. */
  uri(database?: string): string
  /** Restarts the server (`pg_ctl restart -m fast`): open connections are cut. */
  restart(): Promise<void>
  /** Stops the server (`pg_ctl stop -m fast`), keeping its data; `start()` brings it back. */
  stop(): Promise<void>
  start(): Promise<void>
  /** Stops the server and removes its folder. */
  destroy(): void
  /** The cluster's data folder (its `postmaster.pid` names the server's process). */
  readonly dataDir: string
  /** The server's log (stderr of `postgres`: what `log_statement` and the like write). */
  readonly logFile: string
}

export interface PostgresClusterOptions {
  /**
   * Keep PostgreSQL's defaults for fsync and full_page_writes (on) and for shared_buffers, as a
   * user's server runs: for benchmarks. By default the cluster is a test's: fsync off, 64 MB.
   */
  readonly durable?: boolean
  /** More server settings (`-c name=value`), e.g. `{ shared_preload_libraries: 'pg_stat_statements' }`. */
  readonly settings?: Readonly<Record<string, string>>
}

const USER = 'keel'
const PASSWORD = 'keel-test-password'

/** The folder of PostgreSQL's server programs: Debian's newest, else what PATH finds. */
export function postgresBinDir(): string {
  const debian = '/usr/lib/postgresql'
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(join(debian, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a))
    if (versions.length > 0) return join(debian, versions[0]!, 'bin')
  }
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim()
  if (found) return found.replace(/\/initdb$/, '')
  throw new Error(
    'PostgreSQL server programs (initdb, pg_ctl) were not found: the PostgreSQL tests need them ' +
      '(Debian: apt-get install postgresql; .ci/run installs it)',
  )
}

export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir()
  const root = mkdtempSync(join(tmpdir(), 'keel-pg-'))
  const dataDir = join(root, 'data')
  const asRoot = process.getuid?.() === 0
  const command = (program: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]] : [join(bin, program), args]
  const run = (program: string, args: string[]): void => {
    const [cmd, argv] = command(program, args)
    execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root })
  }
  const runAsync = async (program: string, args: string[]): Promise<void> => {
    const [cmd, argv] = command(program, args)
    await promisify(execFile)(cmd, argv, { cwd: root })
  }
  const pwfile = join(root, 'pwfile')
  writeFileSync(pwfile, `${PASSWORD}\n`)
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(root, uid, gid)
    chownSync(pwfile, uid, gid)
  }
  chmodSync(root, 0o700)
  run('initdb', [
    '-D',
    dataDir,
    '-U',
    USER,
    `--pwfile=${pwfile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    '--locale-provider=icu',
    '--icu-locale=en-US',
    '--locale=C.UTF-8',
  ])
  const port = await freePort()
  // A throwaway cluster: no fsync (the tests kill keel, never this machine), a small footprint;
  // `durable` keeps PostgreSQL's own defaults for those, as a user's server has them.
  const serverOptions = [
    `-p ${port}`,
    '-h 127.0.0.1',
    `-k ${root}`,
    ...(options.durable ? [] : ['-c fsync=off', '-c full_page_writes=off', '-c shared_buffers=64MB']),
    '-c max_connections=300',
    ...Object.entries(options.settings ?? {}).map(([name, value]) => `-c ${name}=${value}`),
  ].join(' ')
  const logFile = join(root, 'server.log')
  const pgCtlArgs = (action: string, extra: string[]): string[] => [
    '-D',
    dataDir,
    '-l',
    logFile,
    '-o',
    serverOptions,
    '-w',
    '-t',
    '60',
    ...extra,
    action,
  ]
  const pgCtl = (action: string, ...extra: string[]): void => run('pg_ctl', pgCtlArgs(action, extra))
  const pgCtlAsync = (action: string, ...extra: string[]): Promise<void> => runAsync('pg_ctl', pgCtlArgs(action, extra))
  pgCtl('start')
  const cluster: PostgresCluster = {
    host: '127.0.0.1',
    port,
    user: USER,
    password: PASSWORD,
    uri: (database = 'postgres') => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    restart: () => pgCtlAsync('restart', '-m', 'fast'),
    stop: () => pgCtlAsync('stop', '-m', 'fast'),
    start: () => pgCtlAsync('start'),
    dataDir,
    logFile,
    destroy: () => {
      try {
        pgCtl('stop', '-m', 'immediate')
      } catch {
        // already stopped
      }
      rmSync(root, { recursive: true, force: true })
    },
  }
  return cluster
}
