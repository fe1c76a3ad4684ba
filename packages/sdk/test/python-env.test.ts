/**
 * The Python environment managers (models/python/environment.ts, env-*.ts): `local` checks the
 * interpreter; `virtualenv` and `uv` build a venv from the model's python_env.yaml and requirements,
 * cached by hash, and name pip's (uv's) errors when they cannot. To stay cheap, the builds that
 * succeed here install small pure-Python packages from PyPI, with keel's mlflow requirement left out
 * and the import check pointed at those packages (env-build.ts's BuildInternals); the real thing,
 * with mlflow, is python-env.e2e.test.ts.
 */
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type BuildInternals, type BuiltManager, MARKER_FILE, virtualEnvFor } from '../src/models/python/env-build.js'
import { expandRequirements, namesMlflow, readPythonEnvSpec } from '../src/models/python/env-spec.js'
import { findUv } from '../src/models/python/env-tools.js'
import { type EnvManager, pythonEnvFor } from '../src/models/python/environment.js'
import { rejection } from './models/support/keel-errors.js'
import { venvPython } from './models/support/python-models.js'

/** A build here creates a venv and runs pip against PyPI: seconds, more on a loaded two-core machine. */
const BUILD_TIMEOUT = 180_000

const temps: string[] = []
const temp = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  temps.push(dir)
  return dir
}

let python: string
/** Its version, e.g. 3.11.7. */
let pythonVersion: string
/** A Python without mlflow (an empty venv of the repo's Python). */
let bare: string

beforeAll(async () => {
  python = await venvPython()
  pythonVersion = execFileSync(python, ['-c', 'import platform; print(platform.python_version())'], {
    encoding: 'utf8',
  }).trim()
  const dir = temp('keel-bare-python-')
  execFileSync(python, ['-m', 'venv', '--without-pip', join(dir, 'venv')])
  bare = join(dir, 'venv', 'bin', 'python')
}, 120_000)

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true })
})

afterEach(() => {
  vi.unstubAllEnvs()
})

/** A model directory with an MLmodel (mlflow_version 3.17.2, pyfunc env pointing at python_env.yaml) and `files`. */
function modelDir(files: Record<string, string>): string {
  const dir = temp('keel-env-model-')
  const mlmodel = [
    'flavors:',
    '  python_function:',
    '    env:',
    '      conda: conda.yaml',
    '      virtualenv: python_env.yaml',
    '    loader_module: mlflow.sklearn',
    'mlflow_version: 3.17.2',
    '',
  ].join('\n')
  writeFileSync(join(dir, 'MLmodel'), mlmodel)
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true })
    writeFileSync(join(dir, name), content)
  }
  return dir
}

/** The base interpreter's major.minor, and a version with the same major.minor and another patch level. */
const minor = (): string => pythonVersion.split('.').slice(0, 2).join('.')
const otherPatch = (): string => `${minor()}.${pythonVersion.endsWith('.0') ? 1 : 0}`

const pythonEnvYaml = (version: string): string => `python: ${version}\ndependencies:\n- -r requirements.txt\n`

describe("a model's environment spec", () => {
  it('reads python_env.yaml (where the pyfunc flavor says) and the requirement files it includes', async () => {
    const dir = modelDir({
      'python_env.yaml': 'python: 3.11.7\nbuild_dependencies:\n- pip==23.2.1\ndependencies:\n- -r requirements.txt\n',
      'requirements.txt':
        '# pinned\nMLflow_Skinny==3.17.2  # the client\n-r more/extra.txt\nnumpy>=2; python_version>"3"\n',
      'more/extra.txt':
        '-c constraints.txt\n./local-package\ngit+https://example.com/x.git\nscikit-learn[all]==1.9.1\n',
      'more/constraints.txt': 'mlflow==3.17.2\n',
    })
    const spec = await readPythonEnvSpec(dir)
    expect(spec).toEqual({
      python: '3.11.7',
      buildDependencies: ['pip==23.2.1'],
      dependencies: ['-r requirements.txt'],
      source: 'python_env.yaml',
      mlflowVersion: '3.17.2',
    })
    const expanded = await expandRequirements(spec.dependencies, dir, spec.source)
    expect(expanded.files.map((file) => file.path)).toEqual([
      'requirements.txt',
      'more/extra.txt',
      'more/constraints.txt',
    ])
    expect([...expanded.names].sort()).toEqual(['mlflow-skinny', 'numpy', 'scikit-learn'])
    expect(expanded.count).toBe(5)
    expect(namesMlflow(expanded.names)).toBe(true)
    expect(namesMlflow(new Set(['mlflow-tracing']))).toBe(false)
  })

  it('falls back, as MLflow, on conda.yaml and requirements.txt', async () => {
    const conda = 'dependencies:\n- python=3.10.4\n- pip<=23.2.1\n- pip:\n  - six\n'
    expect(await readPythonEnvSpec(modelDir({ 'conda.yaml': conda, 'requirements.txt': 'six\n' }))).toMatchObject({
      python: '3.10.4',
      buildDependencies: ['pip<=23.2.1'],
      dependencies: ['-r requirements.txt'],
    })
    expect(await readPythonEnvSpec(modelDir({ 'conda.yaml': conda }))).toMatchObject({ dependencies: ['six'] })
    const condaOnly = modelDir({ 'conda.yaml': 'dependencies:\n- cudatoolkit=11.8\n' })
    expect((await rejection(readPythonEnvSpec(condaOnly))).message).toContain('cannot be installed in a virtualenv')
  })

  it('names a requirement file that is not there, and reads python: 3.10 as the version 3.10', async () => {
    const missing = modelDir({ 'python_env.yaml': pythonEnvYaml('3.11') })
    const error = await rejection(expandRequirements(['-r requirements.txt'], missing, 'python_env.yaml'))
    expect(error.message).toBe("python_env.yaml includes 'requirements.txt', which is not in the model directory")
    const number = modelDir({ 'python_env.yaml': 'python: 3.10\n' })
    expect(await readPythonEnvSpec(number)).toMatchObject({ python: '3.10', dependencies: [] })
    const list = modelDir({ 'python_env.yaml': 'python: [3]\n' })
    expect((await rejection(readPythonEnvSpec(list))).message).toBe("python_env.yaml: 'python' must be a version")
  })
})

describe('--env-manager local', () => {
  it('uses the interpreter when it imports mlflow, numpy and pandas', async () => {
    const lines: string[] = []
    const env = await pythonEnvFor(modelDir({}), { python, onProgress: (line) => lines.push(line) })
    expect(env).toEqual({ python, manager: 'local' })
    expect(lines).toEqual([`Using ${python} (Python ${pythonVersion}, mlflow 3.17.2)`])
    const older = modelDir({})
    writeFileSync(join(older, 'MLmodel'), 'flavors:\n  python_function: {}\nmlflow_version: 2.9.0\n')
    await pythonEnvFor(older, { python, onProgress: (line) => lines.push(line) })
    expect(lines[1]).toBe(
      `Using ${python} (Python ${pythonVersion}, mlflow 3.17.2; the model was saved with mlflow 2.9.0)`,
    )
  })

  it('names the interpreter, the import that failed and the pip install that fixes it', async () => {
    const error = await rejection(pythonEnvFor(modelDir({}), { envManager: 'local', python: bare }))
    expect(error.code).toBe('INVALID_STATE')
    expect(error.message).toContain(`'${bare}'`)
    expect(error.message).toContain("ModuleNotFoundError: No module named 'mlflow'")
    expect(error.message).toContain('pip install mlflow==3.17.2')
    expect(error.message).toContain('--env-manager virtualenv')
  })

  it('checks an interpreter once per process', async () => {
    // A wrapper for the venv's python, removed after the first check: the second call must not run it.
    const wrapper = join(temp('keel-python-wrapper-'), 'python')
    writeFileSync(wrapper, `#!/bin/sh\nexec '${python}' "$@"\n`, { mode: 0o755 })
    const dir = modelDir({})
    expect(await pythonEnvFor(dir, { python: wrapper })).toEqual({ python: wrapper, manager: 'local' })
    rmSync(wrapper)
    expect(await pythonEnvFor(dir, { python: wrapper })).toEqual({ python: wrapper, manager: 'local' })
  })

  it('says when there is no such interpreter, and names KEEL_PYTHON', async () => {
    vi.stubEnv('KEEL_PYTHON', '/nonexistent/keel/python3')
    const error = await rejection(pythonEnvFor(modelDir({})))
    expect(error.code).toBe('INVALID_STATE')
    expect(error.message).toContain("'/nonexistent/keel/python3' (not found)")
    expect(error.message).toContain('KEEL_PYTHON')
  })

  it('refuses an environment manager it does not have', async () => {
    const error = await rejection(pythonEnvFor(modelDir({}), { envManager: 'conda' as EnvManager }))
    expect(error.code).toBe('INVALID_PARAMETER_VALUE')
    expect(error.message).toContain('local, virtualenv, uv')
  })
})

/** A cheap build: `six` (and `extra`) from PyPI, no mlflow, checked by importing six. */
const cheap: BuildInternals = { addMlflow: false, requiredModules: ['six', 'idna'] }

function build(manager: BuiltManager, model: string, cacheDir: string, onProgress: (line: string) => void) {
  return virtualEnvFor(model, manager, { python, cacheDir, extraPackages: ['idna==3.10'], onProgress }, cheap)
}

const run = (command: string, args: string[]): string => execFileSync(command, args, { encoding: 'utf8' })

describe.each(['virtualenv', 'uv'] as const)('--env-manager %s', (manager) => {
  const tool = manager === 'uv' ? 'uv' : 'pip'
  const model = (): string =>
    modelDir({ 'python_env.yaml': pythonEnvYaml(otherPatch()), 'requirements.txt': 'six==1.17.0\n' })

  describe('a build, then the cache', () => {
    let cacheDir: string
    let dir: string
    /**
     * The progress two concurrent calls saw. The one that started the build saw all of it; the other
     * joined it and heard only what came after (which may still include 'Creating…'), so the
     * starter's is the longer.
     */
    const first: string[] = []
    const concurrent: string[] = []
    const builder = (): string[] => (first.length >= concurrent.length ? first : concurrent)
    let envDir: string
    let concurrentEnvDir: string

    beforeAll(async () => {
      cacheDir = temp('keel-env-cache-')
      dir = model()
      const [a, b] = await Promise.all([
        build(manager, dir, cacheDir, (line) => first.push(line)),
        build(manager, dir, cacheDir, (line) => concurrent.push(line)),
      ])
      envDir = a.envDir
      concurrentEnvDir = b.envDir
    }, BUILD_TIMEOUT)

    it('builds the venv from python_env.yaml and requirements.txt, then the extra packages', () => {
      const text = builder().join('\n')
      expect(text).toContain(`Creating a ${manager} environment with Python ${pythonVersion} (${python})`)
      expect(text).toContain(
        `python_env.yaml asks for Python ${otherPatch()}; using Python ${pythonVersion} (${python})`,
      )
      expect(text).toContain('a patch-level difference is fine')
      expect(text).toContain(
        `Installing 1 requirement (the requirements of python_env.yaml, requirements.txt) with ${tool}`,
      )
      expect(text).toContain(`Installing 1 requirement (the extra packages) with ${tool}`)
      expect(text).toMatch(/Python environment ready in \d+\.\d s/)
      const envPython = join(envDir, 'bin', 'python')
      const out = run(envPython, ['-c', 'import sys, six, idna; print(sys.prefix); print(six.__version__)'])
      expect(out.split('\n').slice(0, 2)).toEqual([envDir, '1.17.0'])
    })

    it('shares one build between concurrent calls in a process, progress included', () => {
      expect(concurrentEnvDir).toBe(envDir)
      // Two builds would race to the rename (one saying so), or the later one would hit the cache.
      for (const lines of [first, concurrent]) {
        expect(lines.filter((line) => line.startsWith('Python environment ready in'))).toHaveLength(1)
        expect(lines.join('\n')).not.toMatch(/Another process built|Using the cached/)
      }
    })

    it('is cached under the sha256 of its inputs, with the marker, and nothing else left', () => {
      expect(envDir).toMatch(/\/[0-9a-f]{64}$/)
      expect(readdirSync(cacheDir)).toEqual([envDir.slice(cacheDir.length + 1)])
      const marker = JSON.parse(readFileSync(join(envDir, MARKER_FILE), 'utf8')) as Record<string, unknown>
      expect(marker.manager).toBe(manager)
    })

    it('answers a second call from the cache, with no install', async () => {
      const lines: string[] = []
      const again = await build(manager, dir, cacheDir, (line) => lines.push(line))
      expect(again).toEqual({ python: join(envDir, 'bin', 'python'), manager, envDir })
      expect(lines).toEqual([`Using the cached ${manager} environment ${envDir}`])
    })

    it(
      'builds another environment when the requirements change',
      async () => {
        const other = modelDir({ 'python_env.yaml': pythonEnvYaml(minor()), 'requirements.txt': 'six==1.16.0\n' })
        const lines: string[] = []
        const env = await build(manager, other, cacheDir, (line) => lines.push(line))
        expect(env.envDir).not.toBe(envDir)
        expect(lines.join('\n')).toContain('Installing 1 requirement')
        expect(run(env.python, ['-c', 'import six; print(six.__version__)']).trim()).toBe('1.16.0')
      },
      BUILD_TIMEOUT,
    )

    it('leaves working scripts after the rename (they name the final folder)', () => {
      const activate = readFileSync(join(envDir, 'bin', 'activate'), 'utf8')
      expect(activate).toContain(envDir)
      expect(activate).not.toContain('.tmp')
      // uv does not install pip into its venvs; python -m venv does, with a script to check.
      if (manager === 'virtualenv')
        expect(run(join(envDir, 'bin', 'pip'), ['--version'])).toContain(join(envDir, 'lib'))
    })

    it(
      'rebuilds a folder without the marker, and removes the .tmp of a build whose process is gone',
      async () => {
        rmSync(join(envDir, MARKER_FILE))
        const dead = `${envDir}.99999999-0badc0de.tmp`
        mkdirSync(dead)
        const lines: string[] = []
        const env = await build(manager, dir, cacheDir, (line) => lines.push(line))
        expect(env.envDir).toBe(envDir)
        expect(lines.join('\n')).toContain('Python environment ready in')
        expect(existsSync(dead)).toBe(false)
        expect(existsSync(join(envDir, MARKER_FILE))).toBe(true)
        expect(readdirSync(cacheDir).filter((name) => name.endsWith('.tmp'))).toEqual([])
      },
      BUILD_TIMEOUT,
    )
  })

  it(
    'uses the environment another process renamed into place first, and removes its own',
    async () => {
      const cacheDir = temp('keel-env-cache-')
      let winner: string | undefined
      const lines: string[] = []
      const env = await build(manager, model(), cacheDir, (line) => {
        lines.push(line)
        if (winner !== undefined || !line.startsWith('Installing')) return
        // Mid-build, "another process" finishes the same hash: a marked venv whose bin/python runs.
        const tmp = readdirSync(cacheDir).find((name) => name.endsWith('.tmp'))
        winner = join(cacheDir, (tmp ?? '').split('.')[0] ?? '')
        mkdirSync(join(winner, 'bin'), { recursive: true })
        symlinkSync(python, join(winner, 'bin', 'python'))
        writeFileSync(join(winner, MARKER_FILE), '{"winner": true}\n')
      })
      expect(env.envDir).toBe(winner)
      expect(lines.join('\n')).toContain('Another process built the same environment first')
      expect(readFileSync(join(env.envDir, MARKER_FILE), 'utf8')).toContain('winner')
      expect(readdirSync(cacheDir)).toEqual([(winner ?? '').slice(cacheDir.length + 1)])
    },
    BUILD_TIMEOUT,
  )

  it(
    `fails with ${tool}'s error when a requirement cannot be installed, and leaves no cache folder`,
    async () => {
      const cacheDir = temp('keel-env-cache-')
      const dir = modelDir({
        'python_env.yaml': pythonEnvYaml(minor()),
        'requirements.txt': 'keel-nonexistent-package==9.9.9\n',
      })
      const error = await rejection(pythonEnvFor(dir, { envManager: manager, python, cacheDir }))
      expect(error.code).toBe('INVALID_STATE')
      expect(error.message).toContain(`--env-manager ${manager}`)
      expect(error.message).toContain('python_env.yaml, requirements.txt')
      if (manager === 'virtualenv')
        expect(error.message).toContain(
          'ERROR: Could not find a version that satisfies the requirement keel-nonexistent-package==9.9.9',
        )
      else expect(error.message).toMatch(/error: No solution found[\s\S]*keel-nonexistent-package==9\.9\.9/)
      expect(readdirSync(cacheDir)).toEqual([])
    },
    BUILD_TIMEOUT,
  )

  it('names both versions when the model asks for a Python that is not there', async () => {
    const dir = modelDir({ 'python_env.yaml': pythonEnvYaml('3.99.1'), 'requirements.txt': 'six\n' })
    const error = await rejection(pythonEnvFor(dir, { envManager: manager, python, cacheDir: temp('keel-env-') }))
    expect(error.code).toBe('INVALID_STATE')
    expect(error.message).toContain('asks for Python 3.99.1 (python_env.yaml)')
    expect(error.message).toContain(`'${python}' is Python ${pythonVersion} and no working python3.99 is on PATH`)
    expect(error.message).toContain('KEEL_PYTHON')
  })
})

describe('uv, found or not', () => {
  it('is KEEL_UV, else on PATH, else beside the base interpreter', async () => {
    vi.stubEnv('KEEL_UV', '')
    vi.stubEnv('PATH', temp('keel-empty-path-'))
    expect(await findUv(python)).toBe(join(python, '..', 'uv'))
    vi.stubEnv('KEEL_UV', python)
    expect(await findUv(bare)).toBe(python)
  })

  it('says how to get uv when there is none', async () => {
    vi.stubEnv('KEEL_UV', '')
    vi.stubEnv('PATH', temp('keel-empty-path-'))
    const error = await rejection(findUv(bare))
    expect(error.code).toBe('INVALID_STATE')
    expect(error.message).toContain('pip install uv')
    vi.stubEnv('KEEL_UV', '/nonexistent/uv')
    expect((await rejection(findUv(python))).message).toContain("KEEL_UV is '/nonexistent/uv'")
  })
})
