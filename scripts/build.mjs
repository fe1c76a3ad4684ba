#!/usr/bin/env node
// `npm run build` (also run by `prepare` on install, and first by `npm test`): builds only what is
// stale, so a build after a build costs seconds. TypeScript's project build is incremental by
// itself (tsc -b); the UI's Vite build runs when a file it is made from is newer than what it
// made (packages/server/dist/ui, which keel server serves). `--force` rebuilds everything.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const force = process.argv.includes('--force')
const run = (command, args) => execFileSync(command, args, { stdio: 'inherit' })

run('npx', [
  'tsc',
  '-b',
  ...(force ? ['--force'] : []),
  'packages/contracts',
  'packages/ml',
  'packages/monitoring',
  'packages/sdk',
  'packages/server',
])

const UI_INPUTS = [
  'packages/ui/src',
  'packages/ui/index.html',
  'packages/ui/vite.config.ts',
  'packages/ui/tsconfig.json',
  'packages/ui/package.json',
  'packages/contracts/src',
]
const UI_OUTPUT = 'packages/server/dist/ui/index.html'

/** The newest modification time under `path` (a file or a folder), in ms. */
function newest(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let latest = stat.mtimeMs
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)))
  return latest
}

const built = existsSync(UI_OUTPUT) ? statSync(UI_OUTPUT).mtimeMs : -1
const changed = Math.max(...UI_INPUTS.map(newest))
if (force || built < changed) run('npm', ['run', 'build', '--silent', '-w', '@keel/ui'])
else process.stdout.write('keel ui: up to date (packages/server/dist/ui)\n')
