#!/usr/bin/env node
// A test that starts a keel process or a browser is end-to-end and says so in its name
// (`*.e2e.test.ts`, run by `npm run test:e2e` after a build); every other test runs in-process
// against the sources (`npm run test:unit`). Fails naming each file on the wrong side.
import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'

const STARTS_A_PROCESS = [
  [/\bstartKeelServer\(/, 'starts keel server (the built CLI)'],
  [/\bstartModelServe\(/, 'starts keel models serve'],
  [/\bKEEL_BIN\b/, 'runs the built CLI'],
  [/\blaunchBrowser\(|\/usr\/bin\/chromium/, 'drives a browser'],
]

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.test.ts'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter(Boolean)

const problems = []
for (const file of files) {
  const text = readFileSync(file, 'utf8')
  const why = STARTS_A_PROCESS.find(([pattern]) => pattern.test(text))?.[1]
  const e2e = file.endsWith('.e2e.test.ts')
  if (why && !e2e) problems.push(`${file}: ${why}, so it is end-to-end: name it *.e2e.test.ts`)
  if (!why && e2e) problems.push(`${file}: starts no process, so it runs in-process: name it *.test.ts`)
}
if (problems.length > 0) {
  process.stderr.write(
    `test kinds: ${problems.length} file(s) on the wrong side\n${problems.map((p) => `  ${p}\n`).join('')}`,
  )
  process.exit(1)
}
process.stdout.write(`test kinds: ${files.length} test files, each in-process or named *.e2e.test.ts\n`)
