/**
 * An artifact download's Content-Type is what MLflow's server sends (`_guess_mime_type`), checked
 * against that function itself run by the test's virtualenv, for the files runs log. HTML and SVG
 * are the one deliberate difference (text/plain: never run as a page of keel's origin).
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { artifactContentType } from '../src/artifacts/content-type.js'

const PYTHON = fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url))

const NAMES = [
  'MLmodel',
  'MLproject',
  'requirements.txt',
  'conda.yaml',
  'python_env.yaml',
  'metrics.json',
  'a.JSON',
  'a.Json',
  'notes.TXT',
  'train.log',
  'data.csv',
  'data.csv.gz',
  'data.tsv',
  'README.md',
  'train.py',
  'analysis.ipynb',
  'conf.ini',
  'x.toml',
  'x.xml',
  'x.js',
  'report.pdf',
  'REPORT.PDF',
  'plot.png',
  'photo.JPG',
  'photo.jpeg',
  'anim.gif',
  'scan.tif',
  'img.webp',
  'run.sh',
  'clip.mp4',
  'sound.wav',
  'sound.mp3',
  'model.zip',
  'model.tar',
  'model.tar.gz',
  'model.tgz',
  'model.gz',
  'weights.h5',
  'model.bin',
  'model.pkl',
  'model.onnx',
  'model.npy',
  'data.parquet',
  'model.joblib',
  'model.pth',
  'Dockerfile',
  'LICENSE',
  '.env',
  '.hidden.txt',
  'archive.7z',
  'deck.pptx',
]
const DIFFERENT = { 'index.html': 'text/html', 'page.htm': 'text/html', 'chart.svg': 'image/svg+xml' }

function mlflowTypes(names: readonly string[]): string[] {
  const script =
    'import json, sys\nfrom mlflow.utils.mime_type_utils import _guess_mime_type\n' +
    'print(json.dumps([_guess_mime_type(n) for n in json.load(sys.stdin)]))'
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(names), encoding: 'utf8' }))
}

describe('artifactContentType', () => {
  it("gives MLflow's Content-Type for the files runs log, by name and in folders", () => {
    const expected = mlflowTypes(NAMES)
    expect(NAMES.map((n) => [n, artifactContentType(`model/${n}`)])).toEqual(NAMES.map((n, i) => [n, expected[i]]))
  })

  it('sends HTML and SVG as text/plain where MLflow sends their own types', () => {
    const names = Object.keys(DIFFERENT)
    expect(mlflowTypes(names)).toEqual(Object.values(DIFFERENT))
    for (const n of names) expect(artifactContentType(n)).toBe('text/plain')
  })
})
