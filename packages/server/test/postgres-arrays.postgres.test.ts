/**
 * keel's PostgreSQL array literals (sql/postgres-arrays.ts) read back by PostgreSQL itself as the
 * values they were built from: every element one element, text byte for byte, numbers exactly.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { numberArrayLiteral, textArrayLiteral } from '../src/sql/postgres-arrays.js'
import { postgresUri } from './support/postgres.js'

let client: pg.Client

beforeAll(async () => {
  client = new pg.Client({ connectionString: postgresUri() })
  await client.connect()
})
afterAll(async () => {
  await client.end()
})

describe('PostgreSQL array literals', () => {
  it('text: quotes, backslashes, braces, commas, blanks, the word NULL, control characters, non-ASCII, and null', async () => {
    const values = [
      'plain',
      'say "hi"',
      'back\\slash',
      '\\"',
      '{a,b}',
      'a,b',
      'NULL',
      'null',
      '',
      ' padded ',
      'tab\there',
      'new\nline',
      'é 日本 ✓ 😀',
      null,
      'ends with \\',
    ]
    const { rows } = await client.query<{ v: string | null }>('SELECT unnest($1::text[]) AS v', [
      textArrayLiteral(values),
    ])
    expect(rows.map((r) => r.v)).toEqual(values)
  })

  it('double precision: exactly, with the extremes and the infinities', async () => {
    const values = [0, -1.5, 0.1, 1 / 3, 1e-300, 5e-324, 1.7976931348623157e308, Infinity, -Infinity, 2 ** 53 - 1]
    const { rows } = await client.query<{ v: string }>('SELECT unnest($1::float8[])::text AS v', [
      numberArrayLiteral(values),
    ])
    expect(rows.map((r) => Number(r.v))).toEqual(values)
  })

  it('bigint: integers past 32 bits', async () => {
    const values = [0, -1, 1_764_000_000_000, 2 ** 53 - 1, -(2 ** 53 - 1)]
    const { rows } = await client.query<{ v: string }>('SELECT unnest($1::int8[])::text AS v', [
      numberArrayLiteral(values),
    ])
    expect(rows.map((r) => Number(r.v))).toEqual(values)
  })

  it('an empty array is empty', async () => {
    const { rows } = await client.query('SELECT unnest($1::text[]) AS v', [textArrayLiteral([])])
    expect(rows).toEqual([])
  })
})
