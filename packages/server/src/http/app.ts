/**
 * The HTTP application: routes of every domain, MLflow's error contract, one log line per request.
 */
import { randomUUID } from 'node:crypto'
import { KeelError } from '@keel/contracts'
import { Hono } from 'hono'
import { errorBody, statusOf } from './errors.js'
import type { Logger } from './logger.js'
import { requestHeader } from './node-request.js'
import { buildOpenApi } from './openapi.js'
import { RpcRouter } from './rpc.js'

export interface AppOptions {
  readonly version: string
  readonly logger: Logger
  /** Registers the domain routes (tracking, artifacts, …) on the app and its RPC router. */
  readonly mount: (app: Hono, router: RpcRouter) => void
}

export function createApp({ version, logger, mount }: AppOptions): Hono {
  const app = new Hono()

  app.use(async (c, next) => {
    const started = performance.now()
    const given = requestHeader(c, 'x-request-id')
    // A caller's id is kept when it is short and plain; anything else could forge log lines.
    const requestId = given !== undefined && /^[\w\-=.]{1,128}$/.test(given) ? given : randomUUID()
    // Set before the handler runs: a header added to a finished response makes Hono rebuild it.
    c.header('X-Request-Id', requestId)
    await next()
    logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 100) / 100,
        request_id: requestId,
      },
      'request',
    )
  })

  app.get('/health', (c) => c.text('OK'))
  app.get('/version', (c) => c.text(version))

  const router = new RpcRouter(app)
  mount(app, router)
  const openapi = buildOpenApi(router.routes, version)
  app.get('/openapi.json', (c) => c.json(openapi))

  app.notFound((c) => {
    const path = c.req.path
    if (path.startsWith('/api/') || path.startsWith('/ajax-api/')) {
      return c.json({ error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint ${c.req.method} ${path}` }, 404)
    }
    return c.text('Not found', 404)
  })

  app.onError((err, c) => {
    if (err instanceof KeelError) return c.json(errorBody(err), statusOf(err))
    logger.error({ method: c.req.method, path: c.req.path, err: String((err as Error).stack ?? err) }, 'unhandled error')
    return c.json({ error_code: 'INTERNAL_ERROR', message: 'Internal server error' }, 500)
  })

  return app
}
