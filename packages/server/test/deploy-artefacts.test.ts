/**
 * The deployment artefacts (Dockerfile, .dockerignore, deploy/kubernetes, deploy/nginx) checked
 * against the code they deploy, in-process: no Docker daemon, cluster or nginx is needed. The
 * command lines they run are parsed by keel's own CLI parser, the probe paths are looked up in the
 * servers' route and probe tables, and every path the image copies is one the build makes.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { RAW_ROUTES } from '../src/auth/route-permissions.js'
import { registerDbCommands } from '../src/cli/db-command.js'
import { registerJobCommands } from '../src/cli/jobs-command.js'
import { registerModelCommands } from '../src/cli/models-command.js'
import { isLoopback } from '../src/cli/network-exposure.js'
import { registerPermissionCommands } from '../src/cli/permissions-command.js'
import { registerServerCommand } from '../src/cli/server-command.js'
import { registerTokenCommands } from '../src/cli/tokens-command.js'
import { registerUserCommands } from '../src/cli/users-command.js'
import { registerWorkerCommand } from '../src/cli/worker-command.js'
import { needOf } from '../src/serving/auth/serving-auth.js'
import { MODEL_SERVER_SURFACE, TRACKING_SURFACE } from '../src/web-security/surfaces.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')
/** A Kubernetes document: checked field by field below. */
type Doc = any

// ---- the Dockerfile, as instructions per stage ----
interface Instruction {
  readonly op: string
  readonly args: string
}
function dockerStages(text: string): Map<string, Instruction[]> {
  const stages = new Map<string, Instruction[]>()
  let current: Instruction[] | undefined
  const lines = text.replace(/\\\n/g, ' ').split('\n')
  for (const line of lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? []
    if (op.toUpperCase() === 'FROM') {
      current = []
      stages.set(/\s+AS\s+(\S+)$/i.exec(args)?.[1] ?? '', current)
    }
    current?.push({ op: op.toUpperCase(), args })
  }
  return stages
}
const dockerfile = read('Dockerfile')
const stages = dockerStages(dockerfile)
const build = stages.get('build') ?? []
const runtime = stages.get('runtime') ?? []
const all = (stage: Instruction[], op: string) => stage.filter((i) => i.op === op).map((i) => i.args)
const one = (stage: Instruction[], op: string) => all(stage, op).at(-1) ?? ''
const execForm = (args: string): string[] => JSON.parse(args.replace(/^--\S+\s+/g, ''))
const [uid, gid] = one(runtime, 'USER').split(':').map(Number)

// ---- keel's CLI parser, each command's action replaced by a capture ----
function parseCli(
  argv: readonly string[],
  env: ReadonlyMap<string, string> = new Map(),
): { path: string; opts: Record<string, unknown> } {
  // The container's environment is what the CLI reads its variables from (MLFLOW_BACKEND_STORE_URI…).
  const saved = new Map([...env.keys()].map((k) => [k, process.env[k]]))
  for (const [k, v] of env) process.env[k] = v
  try {
    return parseWith(argv)
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

function parseWith(argv: readonly string[]): { path: string; opts: Record<string, unknown> } {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} })
  registerServerCommand(program)
  registerModelCommands(program)
  registerDbCommands(program)
  registerWorkerCommand(program)
  registerJobCommands(program)
  registerUserCommands(program)
  registerTokenCommands(program)
  registerPermissionCommands(program)
  let command = program
  const path: string[] = []
  for (const word of argv) {
    const sub = command.commands.find((c) => c.name() === word)
    if (sub === undefined) break
    command = sub
    path.push(word)
  }
  let opts: Record<string, unknown> | undefined
  command.action((...args: unknown[]) => {
    opts = (args.at(-1) as Command).opts()
  })
  program.parse([...argv], { from: 'user' })
  if (opts === undefined) throw new Error(`keel ${argv.join(' ')}: no command ran`)
  return { path: path.join(' '), opts }
}

// ---- the Kubernetes manifests ----
const K8S = 'deploy/kubernetes'
/** Every manifest, as a path under deploy/kubernetes (the per-release Job is in jobs/). */
const manifestFiles = readdirSync(join(ROOT, K8S), { recursive: true, encoding: 'utf8' })
  .map((f) => f.split('\\').join('/'))
  .filter((f) => f.endsWith('.yaml'))
const parsed = manifestFiles.map((file) => ({ file, docs: parseAllDocuments(read(`${K8S}/${file}`)) }))
const docs: Doc[] = parsed.flatMap((p) => p.docs.map((d) => d.toJS()))
const ofKind = (kind: string): Doc[] => docs.filter((d) => d.kind === kind)
const deployments = ofKind('Deployment')
const byCommand = (words: string) =>
  deployments.find((d) => d.spec.template.spec.containers[0].args.join(' ').startsWith(words))
const secret = ofKind('Secret')[0]
const namespace = ofKind('Namespace')[0]?.metadata.name as string
/** Every container of every pod template (Deployments and Jobs), with its workload. */
const containers = [...deployments, ...ofKind('Job')].flatMap((d) =>
  d.spec.template.spec.containers.map((c: Doc) => ({ d, c })),
)
/** The container's args with `$(VAR)` expanded as the kubelet does, secrets from the example Secret. */
/** A container's environment, with its Secret references read from the example Secret. */
function containerEnv(c: Doc): Map<string, string> {
  const env = new Map<string, string>()
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef
    env.set(e.name, ref ? secret.stringData[ref.key] : e.value)
  }
  return env
}

function expandedArgs(c: Doc): string[] {
  const env = containerEnv(c)
  return c.args.map((a: string) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v) => env.get(v) ?? m))
}
const serviceNames = (name: string) => [
  name,
  `${name}.${namespace}`,
  `${name}.${namespace}.svc`,
  `${name}.${namespace}.svc.cluster.local`,
]

describe('Dockerfile', () => {
  it('builds in a stage with the toolchain better-sqlite3 needs, from the lockfile', () => {
    expect(one(build, 'FROM')).toMatch(/ AS build$/)
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m)
    const run = all(build, 'RUN').join('\n')
    for (const tool of ['python3', 'make', 'g++'])
      expect(run).toMatch(new RegExp(`install .*\\s${tool.replace('+', '\\+')}(\\s|$)`))
    expect(run).toMatch(/npm ci\b/)
    expect(run).toMatch(/npm run build\b/)
    expect(run).toMatch(/npm prune --omit=dev\b/)
    // npm ci needs every workspace's manifest before the sources are copied.
    const workspaces: string[] = JSON.parse(read('package.json')).workspaces
    const copied = all(build, 'COPY').map((a) => a.split(/\s+/)[0])
    for (const ws of workspaces) expect(copied).toContain(`${ws}/package.json`)
  })

  it('runs as a fixed non-root user, with no build tools and no package installs in the runtime stage', () => {
    expect(uid).toBeGreaterThan(0)
    expect(gid).toBeGreaterThan(0)
    const run = all(runtime, 'RUN').join('\n')
    expect(run).toContain(`--uid ${uid}`)
    expect(run).toContain(`--gid ${gid}`)
    for (const tool of ['python3', 'make', 'g\\+\\+', 'gcc', 'build-essential', 'curl', 'git'])
      expect(run).not.toMatch(new RegExp(`install [^&]*\\b${tool}\\b`))
    expect(run).not.toMatch(/npm (ci|install|i)\b/)
    // USER comes before the process starts and nothing after it switches back.
    const ops = runtime.map((i) => i.op)
    expect(ops.lastIndexOf('USER')).toBeGreaterThan(ops.lastIndexOf('RUN'))
  })

  it('copies only what the build makes or the repository holds, and every file keel needs at run time', () => {
    const sources = all(runtime, 'COPY').map((a) => {
      expect(a).toMatch(/^--from=build /)
      return posix.relative('/src', a.split(/\s+/)[1]!)
    })
    for (const source of sources) {
      const dist = /^packages\/([^/]+)\/dist$/.exec(source)
      if (dist) {
        // Made by `npm run build` (tsc -b into each package's outDir).
        const tsconfig = JSON.parse(read(`packages/${dist[1]}/tsconfig.json`))
        expect(posix.normalize(tsconfig.compilerOptions.outDir), source).toBe('dist')
      } else if (source !== 'node_modules') {
        expect(existsSync(join(ROOT, source)), `${source} exists`).toBe(true)
      }
    }
    // keel and the workspace packages it imports, each with its package.json and its "files".
    const needed = new Set<string>()
    const visit = (dir: string) => {
      if (needed.has(dir)) return
      needed.add(dir)
      const pkg = JSON.parse(read(`${dir}/package.json`))
      for (const dep of Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@keel/')))
        visit(`packages/${dep.slice('@keel/'.length)}`)
    }
    visit('packages/server')
    for (const dir of needed) {
      const files: string[] = JSON.parse(read(`${dir}/package.json`)).files ?? []
      for (const f of ['package.json', ...files.filter((x) => !x.startsWith('!'))])
        expect(sources).toContain(`${dir}/${f}`)
    }
    // The entry point the image links as `keel` loads the built CLI, made from src/cli/main.ts.
    expect(read('packages/server/bin/keel.js')).toContain("'../dist/cli/main.js'")
    expect(existsSync(join(ROOT, 'packages/server/src/cli/main.ts'))).toBe(true)
  })

  it('starts keel server reachable beyond the container, with authentication, and checks /health with node', () => {
    const entrypoint = execForm(one(runtime, 'ENTRYPOINT'))
    expect(entrypoint.at(-1)).toBe('keel')
    const { path, opts } = parseCli(execForm(one(runtime, 'CMD')))
    expect(path).toBe('server')
    expect(isLoopback(String(opts.host))).toBe(false)
    expect(opts.appName).toBe('basic-auth')
    expect(one(runtime, 'EXPOSE')).toBe(String(opts.port))
    const check = execForm(one(runtime, 'HEALTHCHECK').replace(/^(--\S+\s+)*CMD\s+/, ''))
    expect(check[0]).toBe('node')
    const url = new URL(/fetch\('([^']+)'\)/.exec(check.join(' '))?.[1] ?? '')
    expect(url.port).toBe(String(opts.port))
    expect(RAW_ROUTES.some((r) => r.method === 'GET' && r.path === url.pathname && r.public)).toBe(true)
  })

  it('.dockerignore keeps build outputs and local state out, and every build input in', () => {
    const patterns = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((p) => {
        const glob = p.replace(/\*\*\/|\*|\?|[.+^${}()|[\]\\]/g, (t) =>
          t === '**/' ? '(.*/)?' : t === '*' ? '[^/]*' : t === '?' ? '[^/]' : `\\${t}`,
        )
        return new RegExp(`^${glob}$`)
      })
    const ignored = (path: string) => {
      const parts = path.split('/')
      return parts.some((_, i) => patterns.some((re) => re.test(parts.slice(0, i + 1).join('/'))))
    }
    for (const p of ['node_modules/x', 'packages/server/node_modules/x', 'packages/sdk/dist/index.js', '.git/HEAD'])
      expect(ignored(p), p).toBe(true)
    for (const p of ['packages/server/tsconfig.tsbuildinfo', '.venv/bin/python', 'keel.db', 'test-results/x.png'])
      expect(ignored(p), p).toBe(true)
    const walk = (dir: string): string[] =>
      readdirSync(join(ROOT, dir)).flatMap((e) => {
        const p = `${dir}/${e}`
        return statSync(join(ROOT, p)).isDirectory() ? walk(p) : [p]
      })
    const inputs = [
      'package.json',
      'package-lock.json',
      '.npmrc',
      'tsconfig.base.json',
      'scripts/build.mjs',
      ...JSON.parse(read('package.json')).workspaces.flatMap((ws: string) => [
        `${ws}/package.json`,
        `${ws}/tsconfig.json`,
        ...walk(`${ws}/src`),
      ]),
      ...walk('packages/sdk/python').filter((p) => p.endsWith('.py')),
      'packages/server/bin/keel.js',
      'packages/ui/index.html',
      'packages/ui/vite.config.ts',
    ]
    for (const p of inputs) expect(ignored(p), `${p} is in the build context`).toBe(false)
  })
})

describe('Kubernetes manifests', () => {
  it('parse, use current API versions, and are all listed in the kustomization', () => {
    for (const { file, docs: ds } of parsed)
      for (const d of ds) expect([...d.errors, ...d.warnings].map(String), file).toEqual([])
    const current: Record<string, string> = {
      Namespace: 'v1',
      Secret: 'v1',
      Service: 'v1',
      Deployment: 'apps/v1',
      Job: 'batch/v1',
      HorizontalPodAutoscaler: 'autoscaling/v2',
      PodDisruptionBudget: 'policy/v1',
      Ingress: 'networking.k8s.io/v1',
      Kustomization: 'kustomize.config.k8s.io/v1beta1',
    }
    for (const d of docs) expect(d.apiVersion, `${d.kind} ${d.metadata?.name}`).toBe(current[d.kind])
    // Each folder's kustomization lists every manifest of that folder (the example Secret aside).
    const folders = new Set(manifestFiles.map((f) => posix.dirname(f)))
    expect([...folders].sort()).toEqual(['.', 'jobs'])
    for (const folder of folders) {
      const kustomization = parseAllDocuments(read(`${K8S}/${folder}/kustomization.yaml`))[0]!.toJS()
      const files = manifestFiles.filter((f) => posix.dirname(f) === folder).map((f) => posix.basename(f))
      expect([...kustomization.resources].sort(), folder).toEqual(
        files.filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml').sort(),
      )
      expect(kustomization.namespace, folder).toBe(namespace)
    }
    expect(Object.values<string>(secret.stringData).every((v) => v === '' || /CHANGE-ME|^us-east-1$/.test(v))).toBe(
      true,
    )
  })

  it('run every container as the image user, non-root, read-only, with /tmp on an emptyDir', () => {
    expect(containers.length).toBeGreaterThanOrEqual(4)
    for (const { d, c } of containers) {
      const pod = d.spec.template.spec
      const sc = { ...pod.securityContext, ...c.securityContext }
      expect(sc.runAsNonRoot, c.name).toBe(true)
      expect(sc.runAsUser, c.name).toBe(uid)
      expect(sc.seccompProfile?.type, c.name).toBe('RuntimeDefault')
      expect(sc.allowPrivilegeEscalation, c.name).toBe(false)
      expect(sc.readOnlyRootFilesystem, c.name).toBe(true)
      expect(sc.capabilities?.drop, c.name).toEqual(['ALL'])
      const tmp = c.volumeMounts.find((m: Doc) => m.mountPath === '/tmp')
      expect(pod.volumes.find((v: Doc) => v.name === tmp?.name)?.emptyDir, c.name).toBeDefined()
      for (const r of ['requests', 'limits'])
        expect(Object.keys(c.resources[r]).sort(), c.name).toEqual(['cpu', 'memory'])
      expect(pod.automountServiceAccountToken, c.name).toBe(false)
    }
  })

  it('take every secret from keys the example Secret defines, and expand only variables they define', () => {
    for (const { c } of containers) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef
        if (!ref) continue
        expect(ref.name, `${c.name} ${e.name}`).toBe(secret.metadata.name)
        expect(Object.keys(secret.stringData), `${c.name} ${e.name}`).toContain(ref.key)
      }
      for (const a of c.args)
        for (const [, v] of a.matchAll(/\$\(([^)]*)\)/g))
          expect(
            c.env.map((e: Doc) => e.name),
            `${c.name}: ${a}`,
          ).toContain(v)
    }
  })

  it('run command lines keel parses, beyond loopback only with authentication', () => {
    const serverContainer = byCommand('server').spec.template.spec.containers[0]
    const server = parseCli(expandedArgs(serverContainer), containerEnv(serverContainer))
    expect(server.path).toBe('server')
    expect(server.opts.appName).toBe('basic-auth')
    expect(String(server.opts.backendStoreUri)).toMatch(/^postgresql:\/\//)
    expect(String(server.opts.artifactsDestination)).toMatch(/^s3:\/\//)
    const model = parseCli(expandedArgs(byCommand('models serve').spec.template.spec.containers[0]))
    expect(model.path).toBe('models serve')
    expect(model.opts.requireAuth).toBe(true)
    expect(String(model.opts.modelUri)).toMatch(/^models:\/[^/]+@/)
    for (const { opts } of [server, model]) expect(isLoopback(String(opts.host))).toBe(false)
    // Workers run the jobs the servers queue: the same queue, store and artifacts.
    const workerContainer = byCommand('worker').spec.template.spec.containers[0]
    const worker = parseCli(expandedArgs(workerContainer), containerEnv(workerContainer))
    expect(worker.path).toBe('worker')
    for (const flag of ['queue', 'backendStoreUri', 'artifactsDestination'])
      expect(worker.opts[flag]).toBe(server.opts[flag])
    expect(String(server.opts.queue)).toMatch(/^rediss?:\/\//)
    for (const job of ofKind('Job'))
      expect(parseCli(expandedArgs(job.spec.template.spec.containers[0])).path).toBe('db upgrade')
    expect(byCommand('server').spec.replicas).toBe(2)
    // The names each server is reached by are names it answers to.
    const ingressHosts: string[] = ofKind('Ingress').flatMap((i) => i.spec.rules.map((r: Doc) => r.host))
    expect(server.opts.allowedHosts).toEqual(expect.arrayContaining([...serviceNames('keel-server'), ...ingressHosts]))
    expect(model.opts.allowedHosts).toEqual(expect.arrayContaining(serviceNames('keel-model-server')))
    const tracking = new URL(String(model.opts.trackingUri))
    expect(server.opts.allowedHosts).toContain(tracking.hostname)
    const service = ofKind('Service').find((s) => s.metadata.name === tracking.hostname)
    expect(service.spec.ports.map((p: Doc) => String(p.port))).toContain(tracking.port)
  })

  it('probe the paths keel serves as probes, open without credentials and whatever the Host', () => {
    const probes = (d: Doc) => {
      const c = d.spec.template.spec.containers[0]
      const port = parseCli(expandedArgs(c)).opts.port
      return ['startupProbe', 'readinessProbe', 'livenessProbe'].map((kind) => {
        const probe = c[kind]?.httpGet
        expect(probe, `${c.name} ${kind}`).toBeDefined()
        const named = c.ports.find((p: Doc) => p.name === probe.port || p.containerPort === probe.port)
        expect(named?.containerPort, `${c.name} ${kind} port`).toBe(port)
        return { kind, path: probe.path as string }
      })
    }
    for (const { path } of probes(byCommand('server'))) {
      expect(
        RAW_ROUTES.some((r) => r.method === 'GET' && r.path === path && r.public),
        path,
      ).toBe(true)
      expect(TRACKING_SURFACE.hostExempt(path), path).toBe(true)
    }
    const model = probes(byCommand('models serve'))
    for (const { path } of model) {
      expect(MODEL_SERVER_SURFACE.hostExempt(path), path).toBe(true)
      expect(needOf('GET', path), path).toBe('none')
    }
    // Ready means the model is loaded; alive means the process answers.
    expect(model.find((p) => p.kind === 'readinessProbe')?.path).toBe('/v2/health/ready')
    expect(model.find((p) => p.kind === 'livenessProbe')?.path).toBe('/v2/health/live')
  })

  it('route each Service to a Deployment port, and scale the model server on CPU with an autoscaler', () => {
    for (const s of ofKind('Service')) {
      const matches = deployments.filter((d) =>
        Object.entries(s.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
      )
      expect(matches.length, s.metadata.name).toBe(1)
      const ports = matches[0].spec.template.spec.containers.flatMap((c: Doc) => c.ports)
      for (const p of s.spec.ports)
        expect(ports.some((cp: Doc) => cp.name === p.targetPort || cp.containerPort === p.targetPort)).toBe(true)
    }
    for (const d of deployments)
      expect(
        Object.entries(d.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
      ).toBe(true)
    const [hpa] = ofKind('HorizontalPodAutoscaler')
    const target = byCommand('models serve')
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: target.metadata.name })
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: expect.objectContaining({ type: 'Utilization' }) } },
    ])
    // The autoscaler owns the replica count; utilisation is measured against the CPU request.
    expect(target.spec.replicas).toBeUndefined()
    expect(target.spec.template.spec.containers[0].resources.requests.cpu).toBeDefined()
    for (const ingress of ofKind('Ingress'))
      for (const path of ingress.spec.rules.flatMap((r: Doc) => r.http.paths)) {
        const svc = ofKind('Service').find((s) => s.metadata.name === path.backend.service.name)
        expect(svc.spec.ports.map((p: Doc) => p.name)).toContain(path.backend.service.port.name)
      }
  })
})

describe('nginx in front of several keel servers', () => {
  const conf = read('deploy/nginx/keel.conf').replace(/#.*$/gm, '')
  it('balances over two servers without stickiness and passes what keel reads', () => {
    const upstream = /upstream\s+(\S+)\s*\{([^}]*)\}/.exec(conf)
    expect(upstream?.[2]?.match(/^\s*server\s/gm)?.length).toBeGreaterThanOrEqual(2)
    expect(conf).not.toMatch(/\b(ip_hash|sticky|hash\s)/)
    expect(conf).toContain(`proxy_pass http://${upstream?.[1]};`)
    // The browser's Host with its port (compared with Origin), and the scheme (Secure cookie).
    expect(conf).toMatch(/proxy_set_header Host \$http_host;/)
    expect(conf).toMatch(/proxy_set_header X-Forwarded-Proto \$scheme;/)
    expect(conf).toMatch(/client_max_body_size 0;/)
    expect(conf).toMatch(/proxy_request_buffering off;/)
  })
})

describe('docs/deployment.md', () => {
  /** A shell line's words: quotes removed, $VAR expanded from `vars`, stopped at a comment. */
  function shellWords(line: string, vars: Record<string, string>): string[] {
    const words: string[] = []
    let word: string | undefined
    let quote: string | undefined
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!
      const name = ch === '$' && quote !== "'" ? /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/.exec(line.slice(i)) : null
      if (name) {
        word = (word ?? '') + (vars[name[1]!] ?? name[0])
        i += name[0].length - 1
      } else if (quote !== undefined) {
        if (ch === quote) quote = undefined
        else word += ch
      } else if (ch === "'" || ch === '"') {
        quote = ch
        word ??= ''
      } else if (ch === '#' && word === undefined) {
        break
      } else if (/\s/.test(ch)) {
        if (word !== undefined) words.push(word)
        word = undefined
      } else {
        word = (word ?? '') + ch
      }
    }
    if (word !== undefined) words.push(word)
    return words
  }

  it("runs only commands and flags keel's CLI accepts", () => {
    const vars = { KEEL_STORE: 'postgresql://keel:pw@postgres.internal:5432/keel', PW: 'pw', ALICE_PASSWORD: 'pw' }
    const blocks = [...read('docs/deployment.md').matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!)
    const commands = blocks
      .flatMap((b) => b.replace(/\\\n/g, ' ').split('\n'))
      .flatMap((line) => {
        // Each command of a pipeline or a list, without its variable assignments and `npx`.
        const segments: string[][] = [[]]
        for (const w of shellWords(line, vars)) {
          if (w === '|' || w === '&&' || w === ';') segments.push([])
          else segments.at(-1)!.push(w)
        }
        return segments.map((words) => {
          const start = words.findIndex((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) && w !== 'npx')
          return words.slice(start)
        })
      })
      .filter((words) => words[0] === 'keel')
      // `...` stands for the flags shown before.
      .map((words) => words.slice(1).filter((w) => w !== '...'))
    expect(commands.length).toBeGreaterThanOrEqual(12)
    const seen = new Set<string>()
    for (const argv of commands) {
      let parsed: ReturnType<typeof parseCli> | undefined
      expect(
        () => {
          parsed = parseCli(argv)
        },
        `keel ${argv.join(' ')}`,
      ).not.toThrow()
      seen.add(parsed!.path)
    }
    for (const path of ['server', 'worker', 'db upgrade', 'db copy']) expect(seen).toContain(path)
  })
})
