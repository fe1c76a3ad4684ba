/**
 * A relative local artifact_location is made absolute as MLflow's `resolve_uri_if_local` makes it:
 * the oracle is that function itself, run by the test's virtualenv with the same working directory.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { absoluteArtifactLocation } from '../src/tracking/experiment-service.js'

const PYTHON = fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url))
const cwd = mkdtempSync(join(tmpdir(), 'keel-cwd-'))
afterAll(() => rmSync(cwd, { recursive: true, force: true }))

const LOCATIONS = [
  'relative/path',
  './x',
  'rel/dir/',
  'a//b',
  'x',
  'with space/é',
  '/abs/path',
  'file:rel/x',
  'file:rel/x?q=1#f',
  'file:/abs',
  'file:///abs/p',
  's3://bucket/p',
  'mlflow-artifacts:/1',
  'gs://b/x',
  'hdfs://h/p',
]

function mlflowResolves(locations: readonly string[]): string[] {
  const script =
    'import json, sys\nfrom mlflow.utils.uri import resolve_uri_if_local\n' +
    'print(json.dumps([resolve_uri_if_local(u) for u in json.load(sys.stdin)]))'
  const out = execFileSync(PYTHON, ['-c', script], { cwd, input: JSON.stringify(locations), encoding: 'utf8' })
  return JSON.parse(out) as string[]
}

describe('absoluteArtifactLocation', () => {
  it("resolves what MLflow's resolve_uri_if_local resolves, and keeps the rest as given", () => {
    const expected = mlflowResolves(LOCATIONS)
    expect(LOCATIONS.map((l) => absoluteArtifactLocation(l, cwd))).toEqual(expected)
    // The oracle did resolve something (a wrong working directory would not show otherwise).
    expect(expected[0]).toBe(`${cwd}/relative/path`)
  })
})
