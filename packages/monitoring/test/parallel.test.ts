// The fast paths give the same answers as the plain ones: datasetDriftAsync (worker threads, from
// the TypeScript sources here and from the built dist in a child process) equals datasetDrift
// exactly; dictionary-encoded columns equal their arrays; the radix sort equals the native sort;
// at sizes where the radix sort runs, wasserstein and ks still match SciPy.

import { spawnSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import {
  closeDriftWorkers,
  columnDrift,
  datasetDrift,
  datasetDriftAsync,
  ks,
  sortedFinite,
  sortFloat64,
  wasserstein,
  type DictionaryColumn,
  type DriftTable,
} from '../src/index.js'
import { close, rng, runPython } from './support/python-oracle.js'

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const g = rng(2024)
const N = 20_000 // above the radix sort's threshold

function withNulls<T>(xs: T[], every: number): Array<T | null> {
  return xs.map((x, i) => (i % every === 3 ? null : x))
}

function encode(
  xs: ReadonlyArray<string | number | boolean | null>,
  extra: Array<string | null> = [],
): DictionaryColumn {
  // a dictionary in an order of its own, with unused and null entries
  const dictionary: Array<string | number | boolean | null> = [...extra, ...new Set(xs)].reverse()
  const at = new Map(dictionary.map((v, i) => [v, i]))
  return { codes: Int32Array.from(xs, (v) => (v === null ? -1 : at.get(v)!)), dictionary }
}

const catRef = withNulls(g.pick(N, ['red', 'green', 'blue', 'cyan'], [4, 3, 2, 1]), 17)
const catCur = withNulls(g.pick(N / 2, ['red', 'green', 'blue', 'plum'], [3, 3, 2, 1]), 11)
const reference: DriftTable = {
  f64: Float64Array.from(g.normals(N)),
  numsWithNulls: withNulls(g.normals(N, 0.1), 29),
  ints: g.ints(N, 0, 4),
  manyInts: g.ints(N, 0, 40),
  strings: catRef,
  dict: encode(catRef, ['unused', null]),
  bools: g.pick(N, [true, false]),
  mixed: [...g.pick(900, ['a', 'b']), 1, 2, 2],
  small: g.normals(500),
  allNull: Array(100).fill(null),
  onlyRef: g.normals(10),
  badCodes: { codes: Int32Array.from([0, 1, 5]), dictionary: ['a', 'b'] },
}
const current: DriftTable = {
  f64: Float64Array.from(g.normals(N / 2, 0.3)),
  numsWithNulls: withNulls(g.normals(N), 13),
  ints: g.ints(N, 0, 5),
  manyInts: g.ints(N / 2, 2, 42),
  strings: catCur,
  dict: encode(catCur),
  bools: g.pick(N, [true, false], [2, 1]),
  mixed: g.pick(800, ['a', 'b', 'c']),
  small: g.normals(400, 0.2),
  allNull: g.normals(10),
  onlyCur: g.normals(10),
  badCodes: { codes: Int32Array.from([0, 1]), dictionary: ['a', 'b'] },
}

afterAll(async () => {
  await closeDriftWorkers()
})

describe('datasetDriftAsync equals datasetDrift', () => {
  it('default tests, every column form and error, 2 workers (worker.ts through tsx)', async () => {
    const sync = datasetDrift(reference, current)
    const par = await datasetDriftAsync(reference, current, { workers: 2 })
    expect(par).toStrictEqual(sync)
    // the table exercises what it claims to: results, errors, and both default distance tests
    const byName = Object.fromEntries(sync.columns.map((c) => [c.column, c]))
    expect(byName.f64!.status === 'ok' && byName.f64!.test).toBe('wasserstein')
    expect(byName.dict!.status === 'ok' && byName.dict!.test).toBe('jensenshannon')
    expect(byName.badCodes!.status === 'error' && byName.badCodes!.error.code).toBe('invalid_column')
    expect(byName.onlyRef!.status === 'error' && byName.onlyRef!.error.code).toBe('missing_in_current')
  })

  it('named tests per column and for the rest, one worker and 0 workers (inline)', async () => {
    const options = {
      test: 'psi' as const,
      perColumn: {
        small: { test: 'ks' as const },
        strings: { test: 'chisquare' as const, threshold: 0.01 },
        dict: { test: 'hellinger' as const },
      },
    }
    const sync = datasetDrift(reference, current, options)
    expect(await datasetDriftAsync(reference, current, { ...options, workers: 1 })).toStrictEqual(sync)
    expect(await datasetDriftAsync(reference, current, { ...options, workers: 0 })).toStrictEqual(sync)
  })

  it('from the built package (dist/drift/worker.js) in a child process that exits by itself', () => {
    // build when dist is older than the drift sources (tsc emits even when another file of the
    // package does not type-check: what this test needs is that these files are current)
    const files = ['parallel', 'worker', 'columns', 'column-drift']
    const stale = (): string[] =>
      files.filter((f) => {
        const src = statSync(`${REPO_ROOT}packages/monitoring/src/drift/${f}.ts`).mtimeMs
        return (
          (statSync(`${REPO_ROOT}packages/monitoring/dist/drift/${f}.js`, { throwIfNoEntry: false })?.mtimeMs ?? 0) <
          src
        )
      })
    if (stale().length > 0) {
      const build = spawnSync(
        process.execPath,
        [`${REPO_ROOT}node_modules/typescript/bin/tsc`, '-b', 'packages/monitoring'],
        { cwd: REPO_ROOT, encoding: 'utf8' },
      )
      expect(stale(), `dist is older than the sources after the build:\n${build.stdout}${build.stderr}`).toEqual([])
    }
    const script = `
      import { datasetDrift, datasetDriftAsync } from ${JSON.stringify(`${REPO_ROOT}packages/monitoring/dist/index.js`)}
      const ref = { x: Float64Array.from({ length: 30000 }, (_, i) => Math.sin(i) * 3), c: Array.from({ length: 30000 }, (_, i) => 'k' + (i % 7)) }
      const cur = { x: Float64Array.from({ length: 20000 }, (_, i) => Math.cos(i) * 3 + 0.1), c: Array.from({ length: 20000 }, (_, i) => 'k' + (i % 5)) }
      const par = await datasetDriftAsync(ref, cur, { workers: 2 })
      process.stdout.write(JSON.stringify({ same: JSON.stringify(par) === JSON.stringify(datasetDrift(ref, cur)), tests: par.columns.map((c) => c.test) }))
    `
    // no closeDriftWorkers(): the idle pool must not keep the process alive
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(child.status, child.stderr).toBe(0)
    expect(JSON.parse(child.stdout)).toEqual({ same: true, tests: ['wasserstein', 'jensenshannon'] })
  }, 120_000)
})

describe('dictionary-encoded columns', () => {
  it('give exactly the result of the same cells as an array, for every categorical test', () => {
    for (const test of [undefined, 'chisquare', 'z', 'psi', 'jensenshannon', 'kl_div', 'hellinger', 'TVD'] as const) {
      const opts = test ? { test } : {}
      const fromArrays = columnDrift('c', catRef, catCur, opts)
      expect(columnDrift('c', encode(catRef, ['zzz']), encode(catCur), opts), String(test)).toStrictEqual(fromArrays)
    }
    // numbers behind codes are a numeric column
    const nums = g.normals(3000)
    const codes = { codes: Int32Array.from(nums, (_, i) => i), dictionary: nums }
    expect(columnDrift('x', codes, current.small!)).toStrictEqual(columnDrift('x', nums, current.small!))
  })
  it('a code outside the dictionary is a clear error', () => {
    const r = columnDrift('c', { codes: Int32Array.from([0, 2]), dictionary: ['a', 'b'] }, ['a'])
    expect(r.status === 'error' && r.error.message).toMatch(/code 2 at row 1 is outside its dictionary of 2 values/)
  })
})

describe('radix sort', () => {
  it('orders exactly as the native Float64Array sort (−0 before +0, extremes, subnormals, ties)', () => {
    const values = [
      ...g.normals(50_000, 0, 1e3),
      ...g.ints(30_000, -50, 50),
      -0,
      0,
      -0,
      5e-324,
      -5e-324,
      1.7976931348623157e308,
      -1.7976931348623157e308,
    ]
    for (const a of [Float64Array.from(values), Float64Array.from(g.ints(40_000, 0, 9))]) {
      const expected = a.slice().sort()
      sortFloat64(a)
      let same = true
      for (let i = 0; i < a.length; i++) if (!Object.is(a[i], expected[i])) same = false
      expect(same).toBe(true)
    }
  })
  it('sortedFinite: the finite values of a column, sorted as natively, the column untouched', () => {
    const col = Float64Array.from([
      ...g.normals(30_000, 5, 100),
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -0,
      0,
      Number.NEGATIVE_INFINITY,
      ...g.ints(5000, -3, 3),
    ])
    const before = col.slice()
    const { values, allIntegers } = sortedFinite(col)
    const expected = col.filter((v) => Number.isFinite(v)).sort()
    expect(values.length).toBe(expected.length)
    expect(values.every((v, i) => Object.is(v, expected[i]))).toBe(true)
    expect(allIntegers).toBe(false)
    expect(col.every((v, i) => Object.is(v, before[i]))).toBe(true)
    expect(sortedFinite(Float64Array.from(g.ints(20_000, -9, 9))).allIntegers).toBe(true)
  })
  it('wasserstein and ks at radix-sorted sizes match SciPy', async () => {
    const ref = g.normals(40_000)
    const cur = g.normals(30_000, 0.05, 1.1)
    const e = await runPython<{ w: number; std: number; ks: number }>(
      `import scipy.stats as ss
x = read()
r = np.array(x["ref"]); c = np.array(x["cur"])
write({"w": ss.wasserstein_distance(r, c), "std": float(np.std(r)), "ks": ss.ks_2samp(r, c).pvalue})`,
      { ref, cur },
    )
    const w = wasserstein(Float64Array.from(ref), Float64Array.from(cur)).score
    expect(close(w, e.w / Math.max(e.std, 0.001)), `${w}`).toBe(true)
    expect(close(ks(ref, cur).score, e.ks), `${ks(ref, cur).score} vs ${e.ks}`).toBe(true)
  }, 60_000)
})
