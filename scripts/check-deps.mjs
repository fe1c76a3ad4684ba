#!/usr/bin/env node
// Every package imports only what it declares, and declares only what it uses. Fails naming each
// finding. A package is the root or a workspace; a file belongs to the package whose folder holds it.
//
// Imports are read with TypeScript's pre-processor (static, dynamic and type-only imports,
// re-exports, require, `/// <reference types>`), from the files git knows, and reduced to package
// names; relative paths and Node's built-in modules are not packages.
//   - A workspace's shipped code (src/ except *.test.ts, bin/) may import only its dependencies,
//     optionalDependencies and peerDependencies. Its other files (tests, configs) may also use its
//     devDependencies and the root's (the workspace's shared tools: vitest, playwright-core).
//   - The root's files (scripts, bench, examples, configs) may import its declarations and the
//     workspaces themselves.
// A declaration is used when a file of its package imports it, when it is an `@types/` package for
// something imported (the root's cover the whole repository), when one of its binaries runs from
// the package's scripts or from node_modules/.bin in its files, when it provides an optional peer
// of another declaration (keel's onnxruntime-node for @keel/sdk), or when the root depends on a
// workspace (what `npm install` at the root installs).
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const ROOT = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..')
const SOURCE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/
const DECLARED = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies']
const BUILTIN = new Set(builtinModules.filter((m) => !m.startsWith('_')))

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'))

/** Node's own modules ('node:fs', 'fs', 'fs/promises'), typed by @types/node. */
const isNodeModule = (specifier) => specifier.startsWith('node:') || BUILTIN.has(specifier.split('/')[0])

/** 'a/b' → 'a', '@s/a/b' → '@s/a'; undefined for relative paths and URLs. */
function packageOf(specifier) {
  if (/^[./]|^[a-z]+:/.test(specifier)) return undefined
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/** `@types/x` → `x`, `@types/s__x` → `@s/x`. */
const typedPackage = (name) => name.slice('@types/'.length).replace(/^(.+)__(.+)$/, '@$1/$2')

/** The binaries a declared package installs (read from node_modules, where npm put it). */
function binsOf(name) {
  const file = join(ROOT, 'node_modules', name, 'package.json')
  if (!existsSync(file)) return []
  const { bin } = readJson(file)
  if (typeof bin === 'string') return [name.split('/').pop()]
  return Object.keys(bin ?? {})
}

/** Optional peers of a declared package. */
function optionalPeersOf(name) {
  const file = join(ROOT, 'node_modules', name, 'package.json')
  if (!existsSync(file)) return []
  const meta = readJson(file).peerDependenciesMeta ?? {}
  return Object.keys(meta).filter((peer) => meta[peer]?.optional === true)
}

const rootJson = readJson(join(ROOT, 'package.json'))
const packages = [
  { dir: '', json: rootJson },
  ...rootJson.workspaces.map((dir) => ({ dir, json: readJson(join(ROOT, dir, 'package.json')) })),
].map((p) => ({
  ...p,
  name: p.json.name,
  declared: new Map(DECLARED.flatMap((field) => Object.keys(p.json[field] ?? {}).map((dep) => [dep, field]))),
  /** package name → the first file importing it, by kind. */
  shipped: new Map(),
  other: new Map(),
  /** Binaries its files run from node_modules/.bin. */
  binsRun: new Set(),
}))
const root = packages[0]
const workspaces = new Set(packages.slice(1).map((p) => p.name))
const ownerOf = (file) => packages.slice(1).find((p) => file.startsWith(`${p.dir}/`)) ?? root

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => SOURCE.test(f) && existsSync(join(ROOT, f)))

/** Every package imported anywhere (the root's `@types/` cover all of them). */
const importedAnywhere = new Set()
for (const file of files) {
  const pkg = ownerOf(file)
  const local = pkg === root ? file : relative(pkg.dir, file)
  const shipped = pkg !== root && (/^bin\//.test(local) || (/^src\//.test(local) && !/\.test\.tsx?$/.test(local)))
  const text = readFileSync(join(ROOT, file), 'utf8')
  const { importedFiles, typeReferenceDirectives } = ts.preProcessFile(text, true, true)
  for (const { fileName } of [...importedFiles, ...typeReferenceDirectives]) {
    const name = isNodeModule(fileName) ? 'node' : packageOf(fileName)
    if (name === undefined) continue
    importedAnywhere.add(name)
    const seen = shipped ? pkg.shipped : pkg.other
    if (!seen.has(name)) seen.set(name, local)
  }
  for (const [, bin] of text.matchAll(/\.bin['"]?\s*[,/]\s*['"]?([\w.-]+)/g)) pkg.binsRun.add(bin)
}
// tsconfig "types" are imports of those type packages.
for (const pkg of packages) {
  for (const config of ['tsconfig.json', 'tsconfig.test.json']) {
    const file = join(ROOT, pkg.dir, config)
    if (!existsSync(file)) continue
    for (const type of readJson(file).compilerOptions?.types ?? []) {
      const name = packageOf(type) ?? type
      importedAnywhere.add(name)
      if (!pkg.other.has(name)) pkg.other.set(name, config)
    }
  }
}

const findings = []
const where = (pkg) => pkg.dir || 'the root package'

for (const pkg of packages) {
  const self = pkg.name
  // Undeclared imports.
  for (const [name, file] of pkg.shipped) {
    if (name === self || name === 'node') continue
    const field = pkg.declared.get(name)
    if (field === undefined || field === 'devDependencies') {
      findings.push(
        `${where(pkg)}: ${file} imports '${name}', which ${pkg.dir}/package.json does not declare` +
          (field ? ' outside devDependencies (shipped code needs it at run time)' : ''),
      )
    }
  }
  for (const [name, file] of pkg.other) {
    if (name === self || name === 'node' || pkg.declared.has(name) || root.declared.has(name)) continue
    if (pkg === root && workspaces.has(name)) continue
    if (pkg !== root && pkg.shipped.has(name)) continue // reported above
    findings.push(`${where(pkg)}: ${file} imports '${name}', which no package.json on its path declares`)
  }
  // Unused declarations.
  const scripts = Object.values(pkg.json.scripts ?? {}).join(' ')
  const runs = (bin) =>
    pkg.binsRun.has(bin) || new RegExp(`(^|[\\s&|;(])${bin.replace(/[.]/g, '\\.')}(\\s|$)`).test(scripts)
  const peersProvided = new Set([...pkg.declared.keys()].flatMap(optionalPeersOf))
  for (const [name, field] of pkg.declared) {
    const imported = pkg.shipped.has(name) || pkg.other.has(name)
    const typesUsed =
      name.startsWith('@types/') &&
      (pkg === root ? importedAnywhere : new Set([...pkg.shipped.keys(), ...pkg.other.keys()])).has(typedPackage(name))
    const used =
      imported ||
      typesUsed ||
      binsOf(name).some(runs) ||
      peersProvided.has(name) ||
      (pkg === root && field === 'dependencies' && workspaces.has(name))
    if (!used) findings.push(`${where(pkg)}: declares '${name}' (${field}), which nothing in it imports or runs`)
  }
}

if (findings.length > 0) {
  process.stderr.write(`check-deps: ${findings.length} finding(s)\n${findings.map((f) => `  ${f}\n`).join('')}`)
  process.exit(1)
}
process.stdout.write(
  `check-deps: ${packages.length} packages, ${files.length} files: every import declared, every declaration used\n`,
)
