/**
 * `keel monitor drift` as a user runs it (the built CLI) on CSV and Parquet files: the table, the
 * JSON, the HTML report, --fail-on-drift's exit code, and every bad input named with exit code 1.
 * The drift it prints must be what @keel/monitoring computes on the same values (the statistics
 * themselves are checked against SciPy and Evidently in packages/monitoring).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { DuckDBInstance } from '@duckdb/node-api'
import { createRng } from '@keel/ml'
import { datasetDrift, type ColumnDriftOk } from '@keel/monitoring'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KEEL_BIN } from './support/keel-server.js'

const exec = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'keel-monitor-cli-'))
const file = (name: string) => join(dir, name)

async function keel(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [KEEL_BIN, 'monitor', 'drift', ...args], {
      env: { ...process.env, NO_COLOR: '1' },
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

// Seeded data: price drifts, qty does not, segment gains a category, note is all-null in current.
function dataset(n: number, later: boolean, rand: () => number) {
  const rows = Array.from({ length: n }, (_, i) => ({
    price: Math.round((later ? 12 : 10) * (1 + rand()) * 1000) / 1000,
    qty: Math.floor(rand() * 4), // integers with 4 values: categorical, as Evidently infers
    segment: later && i % 10 === 0 ? 'new' : ['a', 'b', 'c'][Math.floor(rand() * 3)]!,
    note: later ? null : `n${i % 7}`,
  }))
  return rows
}
type Row = ReturnType<typeof dataset>[number]
const toCsv = (rows: Row[]) =>
  `price,qty,segment,note\n${rows.map((r) => `${r.price},${r.qty},${r.segment},${r.note ?? ''}`).join('\n')}\n`
const columns = (rows: Row[]) => ({
  price: Float64Array.from(rows.map((r) => r.price)),
  qty: Float64Array.from(rows.map((r) => r.qty)),
  segment: rows.map((r) => r.segment),
  note: rows.map((r) => r.note),
})

const rand = createRng(42)
const refRows = dataset(800, false, rand)
const curRows = dataset(600, true, rand)
const sameRows = dataset(800, false, rand)

beforeAll(async () => {
  writeFileSync(file('ref.csv'), toCsv(refRows))
  writeFileSync(file('cur.csv'), toCsv(curRows))
  writeFileSync(file('same.csv'), toCsv(sameRows))
  writeFileSync(file('header-only.csv'), 'price,qty,segment,note\n')
  writeFileSync(file('zero.csv'), '')
  writeFileSync(file('weird.csv'), 'price,qty,segment,note\ninf,1,a,x\nnan,2,b,y\n-inf,3,a,x\n5,1,b,y\n6,2,a,x\n')
  writeFileSync(file('data.json'), '{}')
  const db = await DuckDBInstance.create(':memory:')
  const con = await db.connect()
  for (const name of ['ref', 'cur']) {
    await con.run(
      `COPY (SELECT * FROM read_csv('${file(`${name}.csv`)}')) TO '${file(`${name}.parquet`)}' (FORMAT parquet)`,
    )
  }
  con.closeSync()
  db.closeSync()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('keel monitor drift', () => {
  it('prints a table per column, the dataset verdict and the quality findings', async () => {
    const r = await keel('--reference', file('ref.csv'), '--current', file('cur.csv'))
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Column.*Type.*Test.*Statistic.*p-value \/ distance.*Threshold.*Drift/)
    expect(r.stdout).toMatch(/price\s*│\s*num\s*│\s*ks/)
    expect(r.stdout).toMatch(/qty\s*│\s*cat\s*│\s*chisquare/)
    expect(r.stdout).toMatch(/✗ drifted/)
    expect(r.stdout).toMatch(/note: column 'note' has no values in the current dataset/)
    expect(r.stdout).toMatch(/Dataset drift detected: 2 of 3 columns drifted/)
    expect(r.stdout).toMatch(/new category in current .*: new/)
    expect(r.stdout).toMatch(/column 'note' is empty \(all 600 values missing\) in the current dataset/)
  })

  it('--json: the report, with the drift @keel/monitoring computes on the same values', async () => {
    const r = await keel('--reference', file('ref.csv'), '--current', file('cur.csv'), '--json')
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout)
    const expected = datasetDrift(columns(refRows), columns(curRows))
    expect(report.drift.dataset_drift).toBe(expected.datasetDrift)
    expect(report.drift.share_of_drifted_columns).toBe(expected.shareOfDriftedColumns)
    for (const want of expected.columns.filter((c): c is ColumnDriftOk => c.status === 'ok')) {
      const got = report.columns.find((c: { column: string }) => c.column === want.column).drift
      expect([got.test, got.feature_type, got.drifted]).toEqual([want.test, want.featureType, want.drifted])
      // non-finite numbers travel as strings, as in MLflow's JSON
      expect(Number(got.statistic)).toBe(want.statistic)
      expect(Number(got.score)).toBe(want.score)
    }
  })

  it('reads Parquet to the same report as CSV', async () => {
    const csv = JSON.parse((await keel('-r', file('ref.csv'), '-c', file('cur.csv'), '--json')).stdout)
    const parquet = JSON.parse((await keel('-r', file('ref.parquet'), '-c', file('cur.parquet'), '--json')).stdout)
    expect(parquet.columns.map((c: { drift: unknown }) => c.drift)).toEqual(
      csv.columns.map((c: { drift: unknown }) => c.drift),
    )
    expect(parquet.quality.findings).toEqual(csv.quality.findings)
    expect(parquet.reference.name).toBe('ref.parquet')
  })

  it('--columns, --test, --threshold and --drift-share', async () => {
    const r = await keel(
      '-r',
      file('ref.csv'),
      '-c',
      file('cur.csv'),
      '--columns',
      'price,segment',
      '--test',
      'price=psi',
      '--threshold',
      'price=5',
      '--drift-share',
      '0.9',
      '--json',
    )
    const report = JSON.parse(r.stdout)
    expect(report.columns.map((c: { column: string }) => c.column)).toEqual(['price', 'segment'])
    const price = report.columns[0].drift
    expect([price.test, price.threshold, price.default_test]).toEqual(['psi', 5, false])
    expect(report.drift.drift_share).toBe(0.9)
    expect(report.drift.dataset_drift).toBe(false)
  })

  it('--fail-on-drift exits 3 when the dataset drifted, 0 when not', async () => {
    expect((await keel('-r', file('ref.csv'), '-c', file('cur.csv'), '--fail-on-drift')).code).toBe(3)
    expect(
      (await keel('-r', file('ref.csv'), '-c', file('same.csv'), '--fail-on-drift', '--columns', 'price,qty,segment'))
        .code,
    ).toBe(0)
  })

  it('--report writes the self-contained HTML report', async () => {
    const out = file('report.html')
    const r = await keel('-r', file('ref.parquet'), '-c', file('cur.parquet'), '--report', out)
    expect(r.code).toBe(0)
    const html = readFileSync(out, 'utf8')
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).toContain('<svg')
    expect(html).toContain('cur.parquet')
    expect(statSync(out).size).toBeLessThan(50_000)
  })

  it('NaN and Infinity in a file: counted, dropped from the test, never NaN in the output', async () => {
    const r = await keel('-r', file('weird.csv'), '-c', file('ref.csv'), '--json')
    expect(r.code).toBe(0)
    const price = JSON.parse(r.stdout).columns[0]
    expect(price.drift.status).toBe('ok')
    expect(price.quality.reference).toMatchObject({ rows: 5, missing: 1, infinite: 2 })
    expect(r.stdout).not.toMatch(/"NaN"|null,\s*"score"/)
  })

  it.each([
    [['--columns', 'price,nope'], /unknown column 'nope'/],
    [['--test', 'segment=ks'], /ks does not apply to categorical column 'segment'/],
    [['--threshold', 'price=abc'], /threshold of price must be a number/],
  ])('refuses %j naming the problem (exit 1)', async (extra, message) => {
    const r = await keel('-r', file('ref.csv'), '-c', file('cur.csv'), ...extra)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(message)
  })

  it.each([
    ['missing.csv', /Cannot read '.*missing\.csv': no such file/],
    ['header-only.csv', /the current dataset is empty \(no rows\)/],
  ])('an unreadable current file (%s) is an error naming it', async (name, message) => {
    const r = await keel('-r', file('ref.csv'), '-c', file(name))
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(message)
  })
})
