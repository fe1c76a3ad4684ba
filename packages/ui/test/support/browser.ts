/**
 * A real browser for the UI's end-to-end tests: Debian's Chromium (`/usr/bin/chromium`, installed by
 * `.ci/run`) driven by playwright-core, headless, with a fresh profile per launch. Never downloads a
 * browser. Screenshots go to `test-results/ui/` at the repository root (git-ignored) for people to look at.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, type Page, chromium } from 'playwright-core'

export const CHROMIUM = process.env.KEEL_CHROMIUM ?? '/usr/bin/chromium'
export const SCREENSHOTS = fileURLToPath(new URL('../../../../test-results/ui/', import.meta.url))

export interface Browser {
  readonly context: BrowserContext
  newPage(): Promise<Page>
  close(): Promise<void>
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: the UI tests need Debian's chromium (apt-get install chromium; .ci/run does it), or KEEL_CHROMIUM`,
    )
  }
  const profile = mkdtempSync(join(tmpdir(), 'keel-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1400, height: 900 },
  })
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** Saves a full-page screenshot as test-results/ui/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** Fails the test on any error the page logs or throws (a blank page is usually one of these). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  return errors
}
