/**
 * PostgreSQL's errors in keel's words, in the one place every store's queries pass through: the
 * pool Kysely's PostgresDialect draws its connections from (`translatingPool`).
 *
 * - PostgreSQL unreachable, restarting or shutting down (refused or cut connections, SQLSTATE
 *   class 08, 57P01-57P03, too many connections): `TEMPORARILY_UNAVAILABLE` (503), so a client
 *   retries, and the pool opens a new connection for the next query once the server is back.
 * - A value the column cannot hold (too long for a varchar, a NUL character, a number out of
 *   range): `INVALID_PARAMETER_VALUE` naming the column when the query shows it. The services
 *   check MLflow's limits first, so this is a backstop.
 * - Everything else (unique and foreign-key violations among them, SQLSTATE 23505 and 23503) passes
 *   unchanged, as SQLite's errors do: the stores recognise those by their codes (isUniqueViolation).
 */
import { KeelError } from '@keel/contracts'
import type { PostgresPool, PostgresPoolClient } from 'kysely'

/** Node's network errors that mean the server cannot be reached now. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
])
/** SQLSTATEs of a server going away or not taking connections (besides class 08). */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300'])
/** pg's own errors (no code) when a connection drops or cannot be opened in time. */
const PG_CONNECTION_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/

interface DriverError {
  readonly code?: unknown
  readonly message?: unknown
}

export function isConnectionFailure(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const { code, message } = err as DriverError
  if (typeof code === 'string') {
    return NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)
  }
  return typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message)
}

/** What a value the column refused looks like, by SQLSTATE. */
const VALUE_STATES: Record<string, string> = {
  '22001': 'is too long',
  '22003': 'is out of range',
  '22021': 'has a character PostgreSQL cannot store (NUL)',
  '22P05': 'has a character PostgreSQL cannot store',
}

/** The error to throw instead of `err` (itself when keel has no better words for it). */
export function translatePostgresError(err: unknown, sqlText?: string, parameters?: readonly unknown[]): unknown {
  if (err instanceof KeelError) return err
  if (isConnectionFailure(err)) {
    const reason = String((err as DriverError).message ?? (err as DriverError).code)
    return new KeelError('TEMPORARILY_UNAVAILABLE', `The database is unavailable, try again: ${reason}`, {
      cause: err,
    })
  }
  const code = (err as DriverError | null)?.code
  const problem = typeof code === 'string' ? VALUE_STATES[code] : undefined
  if (problem !== undefined) {
    const column = sqlText === undefined ? undefined : columnOf(err as DriverError, sqlText, parameters ?? [])
    const what = column === undefined ? 'A value' : `The value of '${column}'`
    return new KeelError('INVALID_PARAMETER_VALUE', `${what} ${problem}: ${String((err as DriverError).message)}`, {
      cause: err,
    })
  }
  return err
}

/**
 * The column a refused value was meant for, read off the statement: a string parameter longer than
 * the varchar(n) named in the message (or, for a NUL, one holding it), placed by `"column" = $i`
 * (UPDATE, WHERE) or by its position in an INSERT's column list.
 */
function columnOf(err: DriverError, sqlText: string, parameters: readonly unknown[]): string | undefined {
  const limit = /character varying\((\d+)\)/.exec(String(err.message))?.[1]
  const refused = (p: string): boolean =>
    limit !== undefined ? [...p].length > Number(limit) : err.code === '22021' && p.includes('\u0000')
  const suspects = parameters.flatMap((p, i) => (typeof p === 'string' && refused(p) ? [i + 1] : []))
  const insert = /^\s*insert\s+into\s+\S+\s*\(([^)]*)\)\s*values/i.exec(sqlText)
  const columns = insert ? [...insert[1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!) : []
  for (const index of suspects) {
    const assigned = new RegExp(`"([^"]+)"\\s*=\\s*\\$${index}(?!\\d)`).exec(sqlText)?.[1]
    if (assigned) return assigned
    if (columns.length > 0) return columns[(index - 1) % columns.length]
  }
  return undefined
}

/**
 * `pool` as Kysely's PostgresDialect takes it, with every query's error (and a failure to connect)
 * passed through translatePostgresError. Each pg client is wrapped once.
 */
export function translatingPool(pool: PostgresPool): PostgresPool {
  const wrapped = new WeakMap<PostgresPoolClient, PostgresPoolClient>()
  const wrap = (client: PostgresPoolClient): PostgresPoolClient => {
    let out = wrapped.get(client)
    if (out)
      return out
      // pg emits 'error' on a checked-out client whose connection drops between queries (PostgreSQL
      // restarting while a transaction waits on JavaScript); the pool listens only while it is idle.
      // Unheard, it would end the process. The next query on it fails (a 503, translated above), and
      // the pool discards it when it is released.
    ;(client as unknown as { on(event: 'error', listener: () => void): void }).on('error', () => {})
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    out = {
      // biome-ignore lint/suspicious/noExplicitAny: forwards both of pg's query overloads (text and parameters, or a cursor)
      query: ((...args: any[]) => {
        const result = query(...args)
        if (!(result instanceof Promise)) return result // a cursor: its reads are not translated
        const [text, parameters] = args as [string, readonly unknown[]]
        return result.catch((err: unknown) => {
          throw translatePostgresError(err, text, parameters)
        })
      }) as PostgresPoolClient['query'],
      release: (destroy?: boolean) => client.release(destroy),
    }
    wrapped.set(client, out)
    return out
  }
  return {
    connect: async () => {
      try {
        return wrap(await pool.connect())
      } catch (err) {
        throw translatePostgresError(err)
      }
    },
    end: () => pool.end(),
  }
}
