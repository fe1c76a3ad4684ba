/**
 * The edge of the monitoring domain: `POST /api/2.0/keel/monitoring/drift` answers the report as
 * snake_case JSON, or, with `?format=html` or `Accept: text/html`, as the self-contained HTML page.
 */
import {
  driftReportFromWire,
  driftReportToWire,
  keelMonitoringApi as api,
  MONITORING_MAX_INLINE_BYTES,
} from '@keel/contracts'
import { renderHtmlReport, type DriftReport } from '@keel/monitoring'
import type { Context, Hono, Next } from 'hono'
import { requestHeader } from '../http/node-request.js'
import type { RpcRouter } from '../http/rpc.js'
import type { MonitoringService } from './monitoring-service.js'

function wantsHtml(c: Context): boolean {
  const format = new URL(c.req.url).searchParams.get('format')
  if (format !== null) return format.toLowerCase() === 'html'
  const accept = requestHeader(c, 'accept') ?? ''
  return /\btext\/html\b/i.test(accept) && !/\bapplication\/json\b/i.test(accept)
}

export function mountMonitoringRoutes(app: Hono, router: RpcRouter, service: MonitoringService): void {
  // The HTML form wraps the JSON route: the same validation and errors, then the page is rendered
  // from the report (errors stay JSON, as every API error).
  const html = async (c: Context, next: Next) => {
    if (!wantsHtml(c)) return next()
    await next()
    if (c.res.status !== 200) return
    const report = driftReportFromWire(await c.res.json()) as DriftReport
    // c.res is final once the route answered: replace it (its other headers, X-Request-Id, are kept)
    c.res = new Response(renderHtmlReport(report), {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
    })
  }
  for (const prefix of ['/api', '/ajax-api'])
    app.post(`${prefix}/${api.driftReport.major}.0${api.driftReport.path}`, html)

  router.add(
    api.driftReport,
    async (r) => {
      const report = await service.driftReport({
        reference: r.reference,
        current: r.current,
        ...(r.columns && { columns: r.columns }),
        ...(r.tests && { tests: r.tests }),
        ...(r.thresholds && { thresholds: r.thresholds }),
        ...(r.drift_share !== undefined && { driftShare: r.drift_share }),
      })
      return driftReportToWire(report) as never
    },
    { maxBodyBytes: MONITORING_MAX_INLINE_BYTES },
  )
}
