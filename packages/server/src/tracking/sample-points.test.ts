/**
 * samplePoints against an independent oracle: MLflow's sampling query itself (NTILE buckets, the
 * first row of each, then the last row in place of the final sample), run by SQLite's window
 * functions over the same points.
 */
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { samplePoints } from './run-service.js'

const db = new Database(':memory:')
db.exec('CREATE TABLE p (i INTEGER PRIMARY KEY)')
const insert = db.prepare('INSERT INTO p (i) VALUES (?)')
const oracle = db.prepare(`
  SELECT i FROM (
    SELECT i, row_number() OVER (PARTITION BY bucket ORDER BY i) AS rn
    FROM (SELECT i, ntile(?) OVER (ORDER BY i) AS bucket FROM p)
  ) WHERE rn = 1 ORDER BY i`)

function mlflowSample(n: number, maxResults: number): number[] {
  db.exec('DELETE FROM p')
  for (let i = 0; i < n; i++) insert.run(i)
  const rows = (oracle.all(maxResults) as { i: number }[]).map((r) => r.i)
  const last = n - 1
  if (n > 0 && rows[rows.length - 1] !== last) {
    if (rows.length >= maxResults) rows[rows.length - 1] = last
    else rows.push(last)
  }
  return rows
}

afterAll(() => db.close())

describe('samplePoints', () => {
  it('picks the points MLflow picks, for every size up to 60 and every max_results up to 25', () => {
    for (let n = 0; n <= 60; n++) {
      const points = Array.from({ length: n }, (_, i) => i)
      for (let max = 1; max <= 25; max++) {
        expect(samplePoints(points, max), `${n} points, max_results ${max}`).toEqual(mlflowSample(n, max))
      }
    }
  })

  it('the same on long histories', () => {
    for (const [n, max] of [
      [10_000, 2_500],
      [2_501, 2_500],
      [7_919, 320],
      [100_000, 7],
    ] as const) {
      const points = Array.from({ length: n }, (_, i) => i)
      const sample = samplePoints(points, max)
      expect(sample).toEqual(mlflowSample(n, max))
      expect(sample).toHaveLength(max)
      expect(sample.at(-1)).toBe(n - 1)
    }
  })
})
