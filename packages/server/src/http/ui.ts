/**
 * Serves the web UI (packages/ui, built by Vite) from the API's own process and port: its files at
 * `/`, hashed assets cached for good, and `index.html` for any other page URL so that links into
 * the app (`/experiments/1?sort=…`) load it. API paths never fall through to the UI. Its pages
 * carry a Content-Security-Policy (no inline script, the API of this origin only).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { serveStatic } from '@hono/node-server/serve-static'
import type { Context, Hono } from 'hono'
import { uiContentSecurityPolicy } from '../web-security/policy.js'

const API_PREFIXES = [
  '/api/',
  '/ajax-api/',
  '/health',
  '/ready',
  '/version',
  '/openapi.json',
  '/get-artifact',
  '/model-versions/get-artifact',
]

/**
 * The folder of the built UI, or undefined when it has not been built: packages/ui's Vite build
 * writes it into this package's dist/ui (so a published keel carries it), found from this module
 * whether it runs from src/http or dist/http.
 */
export function findUiRoot(): string | undefined {
  const root = fileURLToPath(new URL('../../dist/ui', import.meta.url))
  return existsSync(join(root, 'index.html')) ? root : undefined
}

const isApi = (path: string) =>
  API_PREFIXES.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p || path.startsWith(`${p}/`)))

/** Mounts the UI; `contentSecurityPolicy` is sent with its pages (framing as `--x-frame-options` says). */
export function mountUi(
  app: Hono,
  root: string | undefined,
  contentSecurityPolicy = uiContentSecurityPolicy('SAMEORIGIN'),
): void {
  if (root === undefined) {
    app.get('/', (c) =>
      c.html(
        '<!doctype html><title>keel</title><p>keel is running, but its web UI has not been built: run <code>npm run build</code> ' +
          '(or <code>npm install</code>) in the keel repository. The REST API is at <a href="/openapi.json">/openapi.json</a>.</p>',
        200,
        { 'Content-Security-Policy': contentSecurityPolicy },
      ),
    )
    return
  }
  const index = readFileSync(join(root, 'index.html'))
  const serveIndex = (c: Context) => {
    c.header('Cache-Control', 'no-cache')
    return c.body(index, 200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': contentSecurityPolicy,
    })
  }
  const assets = serveStatic({ root })
  app.on(['GET', 'HEAD'], '*', async (c, next) => {
    const path = c.req.path
    if (isApi(path)) return next()
    if (path === '/' || path === '/index.html') return serveIndex(c)
    if (path.startsWith('/assets/')) c.header('Cache-Control', 'public, max-age=31536000, immutable')
    const served = await assets(c, async () => {})
    if (served) return served
    c.res.headers.delete('Cache-Control')
    // A page of the app (no file extension): the app routes it in the browser.
    return /\.[a-z0-9]+$/i.test(path) ? next() : serveIndex(c)
  })
}
