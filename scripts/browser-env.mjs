#!/usr/bin/env node
// Makes sure the web UI's end-to-end tests have their browser: Debian's Chromium at /usr/bin/chromium
// (or $KEEL_CHROMIUM), driven by playwright-core. No browser is ever downloaded from npm.
//
//   node scripts/browser-env.mjs     -> prints the browser's path; installs Debian's `chromium`
//                                       package first when it is missing and this is root on Debian
// Exits non-zero with what to do when the browser is missing and cannot be installed here.

import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const browser = process.env.KEEL_CHROMIUM || '/usr/bin/chromium'
const log = (message) => process.stderr.write(`[browser-env] ${message}\n`)

if (!existsSync(browser)) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0
  if (process.env.KEEL_CHROMIUM || !isRoot || !hasApt) {
    log(
      `ERROR: ${browser} not found. The UI tests need Debian's Chromium: apt-get install -y chromium (as root), or set KEEL_CHROMIUM to a Chromium binary.`,
    )
    process.exit(1)
  }
  log(`${browser} not found: installing Debian's chromium package (apt-get)`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env })
    if (r.status !== 0) {
      log(`ERROR: apt-get ${args.join(' ')} failed (exit ${r.status}); install chromium by hand.`)
      process.exit(1)
    }
  }
  if (!existsSync(browser)) {
    log(`ERROR: chromium was installed but ${browser} is still missing.`)
    process.exit(1)
  }
}
process.stdout.write(`${browser}\n`)
