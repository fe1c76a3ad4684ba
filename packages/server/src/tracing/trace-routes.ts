/**
 * MLflow's trace RPCs (v3, and the v2 ones older clients and the v3 client's fallbacks call) and
 * the OTLP/HTTP span endpoint: wire in, TraceService called, wire out.
 */
import {
  type AssessmentInput,
  KeelError,
  type TraceInfo,
  assessmentFromWire,
  assessmentToWire,
  durationToMs,
  traceInfoToV2Wire,
  traceInfoToWire,
  traceStateFromV2,
  traceToWire,
  timestampToMs,
  tracingApi as api,
} from '@keel/contracts'
import type { Hono } from 'hono'
import type { z } from 'zod'
import { requestBody, requestHeader } from '../http/node-request.js'
import type { RpcRouter } from '../http/rpc.js'
import { MAX_OTLP_BYTES, decodeOtlp, decompress } from './otlp.js'
import type { Readable } from '../search/index.js'
import type { TraceSearch, TraceService } from './trace-service.js'

type InfoWire = z.output<typeof api.startTraceV3.request>['trace']['trace_info']

/** The header naming the experiment of an OTLP export (MLflow's client sends it). */
export const EXPERIMENT_ID_HEADER = 'x-mlflow-experiment-id'

function infoFromWire(w: InfoWire): TraceInfo {
  const experimentId = w.trace_location?.mlflow_experiment?.experiment_id
  if (!experimentId) {
    throw KeelError.invalid(
      "Missing value for required parameter 'trace.trace_info.trace_location.mlflow_experiment.experiment_id'.",
    )
  }
  return {
    traceId: w.trace_id,
    experimentId,
    ...(w.client_request_id && { clientRequestId: w.client_request_id }),
    requestTimeMs: w.request_time ? timestampToMs(w.request_time) : Date.now(),
    ...(w.execution_duration && { executionDurationMs: durationToMs(w.execution_duration) }),
    state: w.state ?? 'STATE_UNSPECIFIED',
    ...(w.request_preview !== undefined && { requestPreview: w.request_preview }),
    ...(w.response_preview !== undefined && { responsePreview: w.response_preview }),
    metadata: w.trace_metadata ?? {},
    tags: w.tags ?? {},
    assessments: (w.assessments ?? []).map((a) => ({
      ...assessmentFromWire(a),
      assessmentId: a.assessment_id ?? '',
      traceId: w.trace_id,
      createTimeMs: a.create_time ? timestampToMs(a.create_time) : 0,
      lastUpdateTimeMs: a.last_update_time ? timestampToMs(a.last_update_time) : 0,
    })),
  }
}

const pairsToRecord = (pairs: readonly { key: string; value: string }[] | undefined) =>
  Object.fromEntries((pairs ?? []).map((p) => [p.key, p.value]))

function experimentsOf(
  locations: readonly { mlflow_experiment?: { experiment_id: string } | undefined }[] | undefined,
) {
  return (locations ?? []).flatMap((l) => (l.mlflow_experiment ? [l.mlflow_experiment.experiment_id] : []))
}

/** The search both versions make: the same fields, the experiments named as each names them. */
function searchOf(
  experimentIds: readonly string[],
  r: {
    filter?: string | undefined
    max_results?: number | undefined
    order_by?: string[] | undefined
    page_token?: string | undefined
  },
  readable: Readable | undefined,
): TraceSearch {
  return {
    experimentIds,
    ...(r.filter !== undefined && { filter: r.filter }),
    ...(r.max_results !== undefined && { maxResults: r.max_results }),
    ...(r.order_by && { orderBy: r.order_by }),
    ...(r.page_token && { pageToken: r.page_token }),
    ...(readable && { readable }),
  }
}

/** delete-traces, the same request in both versions. */
function deletionOf(r: z.output<typeof api.deleteTracesV3.request>) {
  return {
    experimentId: r.experiment_id,
    ...(r.request_ids && { traceIds: r.request_ids }),
    ...(r.max_timestamp_millis !== undefined && { maxTimestampMs: r.max_timestamp_millis }),
    ...(r.max_traces !== undefined && { maxTraces: r.max_traces }),
  }
}

export function mountTraceRoutes(router: RpcRouter, service: TraceService): void {
  router
    // Before getTraceInfoV3, whose {trace_id} would take 'get' and 'batchGet' too.
    .add(api.getTrace, async (r) => ({ trace: traceToWire(await service.get(r.trace_id)) }))
    .add(api.batchGetTraces, async (r, c) => {
      const readable = await c.visible('experiment')
      return { traces: (await service.batchGet(r.trace_ids, readable)).map(traceToWire) }
    })
    .add(api.batchGetTraceInfos, async (r, c) => {
      const readable = await c.visible('experiment')
      return { trace_infos: (await service.batchGetInfos(r.trace_ids, readable)).map(traceInfoToWire) }
    })
    .add(api.startTraceV3, async (r) => ({
      trace: { trace_info: traceInfoToWire(await service.startTrace(infoFromWire(r.trace.trace_info))) },
    }))
    .add(api.searchTracesV3, async (r, c) => {
      const page = await service.search(searchOf(experimentsOf(r.locations), r, await c.visible('experiment')))
      return {
        traces: page.items.map(traceInfoToWire),
        ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
      }
    })
    .add(api.deleteTracesV3, async (r) => ({
      traces_deleted: await service.deleteTraces(deletionOf(r)),
    }))
    .add(api.setTraceTagV3, async (r) => {
      await service.setTag(r.trace_id, r.key, r.value ?? '')
      return {}
    })
    .add(api.deleteTraceTagV3, async (r) => {
      await service.deleteTag(r.trace_id, r.key)
      return {}
    })
    .add(api.createAssessment, async (r) => ({
      assessment: assessmentToWire(await service.createAssessment(r.trace_id, assessmentFromWire(r.assessment))),
    }))
    .add(api.getAssessment, async (r) => ({
      assessment: assessmentToWire(await service.getAssessment(r.trace_id, r.assessment_id)),
    }))
    .add(api.updateAssessment, async (r) => {
      const mask = r.update_mask
      // proto-JSON writes a FieldMask as one string of lowerCamelCase paths ("assessmentName,feedback").
      const paths = (typeof mask === 'string' ? mask.split(',') : (mask?.paths ?? []))
        .map((p) => p.trim().replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))
        .filter(Boolean)
      const a = r.assessment
      const change: Partial<AssessmentInput> = assessmentFromWire({ ...a, assessment_name: a.assessment_name ?? '' })
      return {
        assessment: assessmentToWire(await service.updateAssessment(r.trace_id, r.assessment_id, change, paths)),
      }
    })
    .add(api.deleteAssessment, async (r) => {
      await service.deleteAssessment(r.trace_id, r.assessment_id)
      return {}
    })
    .add(api.getTraceInfoV3, async (r) => ({
      trace: { trace_info: traceInfoToWire(await service.getInfo(r.trace_id)) },
    }))
    // ---- v2 ----
    .add(api.startTraceV2, async (r) => ({
      trace_info: traceInfoToV2Wire(
        await service.startTraceV2({
          experimentId: r.experiment_id,
          ...(r.timestamp_ms !== undefined && { timestampMs: r.timestamp_ms }),
          metadata: pairsToRecord(r.request_metadata),
          tags: pairsToRecord(r.tags),
        }),
      ),
    }))
    .add(api.endTraceV2, async (r) => ({
      trace_info: traceInfoToV2Wire(
        await service.endTraceV2(r.request_id, {
          ...(r.timestamp_ms !== undefined && { timestampMs: r.timestamp_ms }),
          state: traceStateFromV2(r.status),
          metadata: pairsToRecord(r.request_metadata),
          tags: pairsToRecord(r.tags),
        }),
      ),
    }))
    .add(api.getTraceInfoV2, async (r) => ({ trace_info: traceInfoToV2Wire(await service.getInfo(r.request_id)) }))
    .add(api.searchTracesV2, async (r, c) => {
      const page = await service.search(searchOf(r.experiment_ids ?? [], r, await c.visible('experiment')))
      return {
        traces: page.items.map(traceInfoToV2Wire),
        ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
      }
    })
    .add(api.deleteTracesV2, async (r) => ({
      traces_deleted: await service.deleteTraces(deletionOf(r)),
    }))
    .add(api.setTraceTagV2, async (r) => {
      await service.setTag(r.request_id, r.key, r.value ?? '')
      return {}
    })
    .add(api.deleteTraceTagV2, async (r) => {
      await service.deleteTag(r.request_id, r.key)
      return {}
    })
    .add(api.linkTracesToRun, async (r) => {
      await service.linkToRun(r.trace_ids, r.run_id)
      return {}
    })
}

/**
 * `POST /v1/traces`: OTLP/HTTP, protobuf or JSON, optionally gzip-compressed; the experiment is
 * named by the `x-mlflow-experiment-id` header. Answers an empty ExportTraceServiceResponse in the
 * request's encoding. Who may call it: UPDATE on the experiment (auth/route-permissions.ts).
 */
export function mountOtlpRoute(app: Hono, service: TraceService): void {
  app.post('/v1/traces', async (c) => {
    const experimentId = requestHeader(c, EXPERIMENT_ID_HEADER)?.trim()
    if (!experimentId) {
      throw KeelError.invalid(`Missing the '${EXPERIMENT_ID_HEADER}' header: it names the experiment the spans go to`)
    }
    const chunks: Uint8Array[] = []
    let size = 0
    for await (const chunk of requestBody(c)) {
      size += chunk.byteLength
      if (size > MAX_OTLP_BYTES)
        throw KeelError.invalid(`Request body is too large: the limit is ${MAX_OTLP_BYTES} bytes`)
      chunks.push(chunk)
    }
    const body = decompress(Buffer.concat(chunks), requestHeader(c, 'content-encoding'))
    const contentType = requestHeader(c, 'content-type')
    await service.logSpans(experimentId, decodeOtlp(body, contentType))
    if ((contentType ?? '').toLowerCase().startsWith('application/json')) return c.json({})
    // An empty ExportTraceServiceResponse in protobuf is no bytes at all.
    return c.body(new Uint8Array(0), 200, { 'Content-Type': 'application/x-protobuf' })
  })
}
