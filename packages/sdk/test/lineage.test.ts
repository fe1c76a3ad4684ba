import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectLineageTags, dependenciesJson } from '../src/lineage.js'

let repo: string
let entryPoint: string
const git = (...args: string[]) =>
  execFileSync(
    'git',
    ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args],
    { cwd: repo, encoding: 'utf8' },
  ).trim()

beforeAll(async () => {
  repo = await realpath(await mkdtemp(join(tmpdir(), 'keel-lineage-')))
  await mkdir(join(repo, 'src'))
  await mkdir(join(repo, 'node_modules', 'left-pad'), { recursive: true })
  await mkdir(join(repo, 'node_modules', '@scope', 'pkg'), { recursive: true })
  await writeFile(join(repo, '.gitignore'), 'node_modules\n')
  await writeFile(
    join(repo, 'package.json'),
    JSON.stringify({ dependencies: { 'left-pad': '^1.0.0', '@scope/pkg': '2.x', missing: '1' } }),
  )
  await writeFile(join(repo, 'node_modules', 'left-pad', 'package.json'), JSON.stringify({ version: '1.3.0' }))
  await writeFile(join(repo, 'node_modules', '@scope', 'pkg', 'package.json'), JSON.stringify({ version: '2.4.1' }))
  entryPoint = join(repo, 'src', 'train.js')
  await writeFile(entryPoint, 'console.log(1)\n')
  git('init', '-q', '-b', 'main')
  git('add', '-A')
  git('commit', '-q', '-m', 'init')
  git('remote', 'add', 'origin', 'https://user:secret-token@example.com/org/repo.git')
})
afterAll(() => rm(repo, { recursive: true, force: true }))

describe('collectLineageTags', () => {
  it('records the source, git state, runtime and installed dependencies', async () => {
    const tags = await collectLineageTags({ entryPoint })
    expect(tags).toMatchObject({
      'mlflow.source.name': 'src/train.js',
      'mlflow.source.type': 'LOCAL',
      'mlflow.source.git.commit': git('rev-parse', 'HEAD'),
      'mlflow.source.git.branch': 'main',
      'mlflow.source.git.repoURL': 'https://example.com/org/repo.git',
      'keel.source.git.dirty': 'false',
      'keel.runtime.node': process.version,
      'keel.runtime.platform': `${process.platform}-${process.arch}`,
    })
    expect(tags['mlflow.user']).toBeTruthy()
    expect(JSON.parse(tags['keel.dependencies']!)).toEqual({ '@scope/pkg': '2.4.1', 'left-pad': '1.3.0' })
  })

  it('marks a working tree with changes as dirty', async () => {
    await writeFile(join(repo, 'src', 'scratch.js'), '// wip\n')
    expect((await collectLineageTags({ entryPoint }))['keel.source.git.dirty']).toBe('true')
    await rm(join(repo, 'src', 'scratch.js'))
  })

  it('omits the branch on a detached HEAD', async () => {
    git('checkout', '-q', '--detach')
    const tags = await collectLineageTags({ entryPoint })
    git('checkout', '-q', 'main')
    expect(tags['mlflow.source.git.branch']).toBeUndefined()
    expect(tags['mlflow.source.git.commit']).toMatch(/^[0-9a-f]{40}$/)
  })

  it('outside a repository has no git tags, and never throws', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keel-nogit-'))
    try {
      const tags = await collectLineageTags({ entryPoint: join(dir, 'nowhere', 'x.js') })
      expect(Object.keys(tags).filter((k) => k.includes('git'))).toEqual([])
      expect(tags['mlflow.source.name']).toBe(join(dir, 'nowhere', 'x.js'))
      expect(tags['keel.runtime.node']).toBe(process.version)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('dependenciesJson', () => {
  it('keeps valid JSON within the limit and counts what was left out', () => {
    const versions = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`package-${String(i).padStart(3, '0')}`, '1.0.0']),
    )
    const json = dependenciesJson(versions, 8000)
    expect(json.length).toBeLessThanOrEqual(8000)
    const parsed = JSON.parse(json) as Record<string, string>
    const kept = Object.keys(parsed).length - 1
    expect(parsed['...']).toBe(`${500 - kept} more`)
    expect(parsed['package-000']).toBe('1.0.0')
    expect(dependenciesJson({ a: '1' }, 8000)).toBe('{"a":"1"}')
  })
})
