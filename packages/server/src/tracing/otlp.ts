/**
 * OTLP/HTTP trace export requests (`POST /v1/traces`), in either encoding OpenTelemetry defines:
 * protobuf (`application/x-protobuf`, what MLflow's client and most exporters send) and JSON
 * (`application/json`: lowerCamelCase fields, ids in hex). Both become the same plain spans; the
 * schema of the protobuf messages is written out here from opentelemetry-proto's trace/v1,
 * common/v1 and collector/trace/v1 definitions (field numbers and types).
 */
import { gunzipSync, inflateSync } from 'node:zlib'
import { KeelError, type OtelAttribute, type OtelValue, type SpanStatusCode } from '@keel/contracts'
import protobuf from 'protobufjs'

/** A span as OTLP carries it, before it is placed in a trace. */
export interface OtlpSpan {
  readonly otelTraceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly traceState?: string
  readonly name: string
  readonly kind?: number
  readonly startTimeUnixNano: string
  readonly endTimeUnixNano?: string
  readonly attributes: readonly OtelAttribute[]
  readonly events: readonly { name: string; timeUnixNano: string; attributes: readonly OtelAttribute[] }[]
  readonly links: readonly { traceId: string; spanId: string; attributes: readonly OtelAttribute[] }[]
  readonly status: { code: SpanStatusCode; message?: string }
}

const KEY_VALUE = { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } }
const root = protobuf.Root.fromJSON({
  nested: {
    AnyValue: {
      oneofs: {
        value: {
          oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'],
        },
      },
      fields: {
        stringValue: { type: 'string', id: 1 },
        boolValue: { type: 'bool', id: 2 },
        intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 },
        arrayValue: { type: 'ArrayValue', id: 5 },
        kvlistValue: { type: 'KeyValueList', id: 6 },
        bytesValue: { type: 'bytes', id: 7 },
      },
    },
    ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
    KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    KeyValue: KEY_VALUE,
    Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    Status: { fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } } },
    Event: {
      fields: {
        timeUnixNano: { type: 'fixed64', id: 1 },
        name: { type: 'string', id: 2 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
      },
    },
    Link: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        traceState: { type: 'string', id: 3 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 4 },
      },
    },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        traceState: { type: 'string', id: 3 },
        parentSpanId: { type: 'bytes', id: 4 },
        name: { type: 'string', id: 5 },
        kind: { type: 'int32', id: 6 },
        startTimeUnixNano: { type: 'fixed64', id: 7 },
        endTimeUnixNano: { type: 'fixed64', id: 8 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
        events: { rule: 'repeated', type: 'Event', id: 11 },
        links: { rule: 'repeated', type: 'Link', id: 13 },
        status: { type: 'Status', id: 15 },
      },
    },
    ScopeSpans: { fields: { spans: { rule: 'repeated', type: 'Span', id: 2 } } },
    ResourceSpans: {
      fields: {
        resource: { type: 'Resource', id: 1 },
        scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 },
      },
    },
    ExportTraceServiceRequest: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
  },
})
const ExportRequest = root.lookupType('ExportTraceServiceRequest')

/** The largest OTLP body accepted once decompressed. */
export const MAX_OTLP_BYTES = 64 * 1024 * 1024

/** Decompresses a body sent with Content-Encoding gzip or deflate (identity passes). */
export function decompress(body: Uint8Array, encoding: string | undefined): Uint8Array {
  const e = (encoding ?? '').trim().toLowerCase()
  if (e === '' || e === 'identity') return body
  try {
    if (e === 'gzip') return gunzipSync(body, { maxOutputLength: MAX_OTLP_BYTES })
    if (e === 'deflate') return inflateSync(body, { maxOutputLength: MAX_OTLP_BYTES })
  } catch (error) {
    throw KeelError.invalid(
      `The request body is not valid ${e} data (or exceeds ${MAX_OTLP_BYTES} bytes decompressed): ${String(error)}`,
    )
  }
  throw KeelError.invalid(`Unsupported Content-Encoding '${encoding}': send gzip, deflate or identity`)
}

/** The spans of an OTLP export request; `contentType` chooses the encoding. */
export function decodeOtlp(body: Uint8Array, contentType: string | undefined): OtlpSpan[] {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return decodeProtobuf(body)
  if (type === 'application/json') return decodeJson(body)
  throw KeelError.invalid(
    `Unsupported Content-Type '${contentType ?? ''}': OTLP/HTTP takes application/x-protobuf or application/json`,
  )
}

// ---- protobuf ----

const HEX = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('hex')

function decodeProtobuf(body: Uint8Array): OtlpSpan[] {
  let message: Record<string, unknown>
  try {
    message = ExportRequest.toObject(ExportRequest.decode(body), {
      longs: String,
      arrays: true,
      oneofs: false,
    }) as Record<string, unknown>
  } catch (error) {
    throw KeelError.invalid(
      `The request body is not an OTLP ExportTraceServiceRequest: ${String((error as Error).message)}`,
    )
  }
  const spans: OtlpSpan[] = []
  for (const rs of message.resourceSpans as Record<string, unknown>[]) {
    for (const ss of (rs.scopeSpans ?? []) as Record<string, unknown>[]) {
      for (const s of (ss.spans ?? []) as Record<string, unknown>[]) spans.push(spanFromProto(s))
    }
  }
  return spans
}

function valueFromProto(v: Record<string, unknown> | undefined): OtelValue {
  if (!v) return {}
  if (v.stringValue !== undefined) return { stringValue: String(v.stringValue) }
  if (v.boolValue !== undefined) return { boolValue: Boolean(v.boolValue) }
  if (v.intValue !== undefined) return { intValue: String(v.intValue) }
  if (v.doubleValue !== undefined) return { doubleValue: Number(v.doubleValue) }
  if (v.bytesValue !== undefined) return { bytesValue: Buffer.from(v.bytesValue as Uint8Array).toString('base64') }
  if (v.arrayValue !== undefined)
    return {
      arrayValue: (((v.arrayValue as Record<string, unknown>).values ?? []) as Record<string, unknown>[]).map(
        valueFromProto,
      ),
    }
  if (v.kvlistValue !== undefined)
    return { kvlistValue: attributesFromProto((v.kvlistValue as Record<string, unknown>).values) }
  return {}
}

function attributesFromProto(list: unknown): OtelAttribute[] {
  return ((list ?? []) as Record<string, unknown>[]).map((kv) => ({
    key: String(kv.key ?? ''),
    value: valueFromProto(kv.value as Record<string, unknown> | undefined),
  }))
}

const STATUS: Readonly<Record<number, SpanStatusCode>> = { 0: 'UNSET', 1: 'OK', 2: 'ERROR' }

function spanFromProto(s: Record<string, unknown>): OtlpSpan {
  const status = (s.status ?? {}) as { code?: number; message?: string }
  const parent = HEX(s.parentSpanId as Uint8Array | undefined)
  return checkSpan({
    otelTraceId: HEX(s.traceId as Uint8Array),
    spanId: HEX(s.spanId as Uint8Array),
    ...(parent !== '' && { parentSpanId: parent }),
    ...(s.traceState ? { traceState: String(s.traceState) } : {}),
    name: String(s.name ?? ''),
    ...(s.kind !== undefined && { kind: Number(s.kind) }),
    startTimeUnixNano: String(s.startTimeUnixNano ?? '0'),
    ...(s.endTimeUnixNano !== undefined &&
      String(s.endTimeUnixNano) !== '0' && { endTimeUnixNano: String(s.endTimeUnixNano) }),
    attributes: attributesFromProto(s.attributes),
    events: ((s.events ?? []) as Record<string, unknown>[]).map((e) => ({
      name: String(e.name ?? ''),
      timeUnixNano: String(e.timeUnixNano ?? '0'),
      attributes: attributesFromProto(e.attributes),
    })),
    links: ((s.links ?? []) as Record<string, unknown>[]).map((l) => ({
      traceId: HEX(l.traceId as Uint8Array),
      spanId: HEX(l.spanId as Uint8Array),
      attributes: attributesFromProto(l.attributes),
    })),
    status: {
      code: STATUS[status.code ?? 0] ?? 'UNSET',
      ...(status.message ? { message: status.message } : {}),
    },
  })
}

// ---- JSON (OTLP/JSON: lowerCamelCase; snake_case is accepted too, as protobuf's JSON parsers do) ----

type Json = Record<string, unknown>

function field(o: Json, camel: string): unknown {
  if (o[camel] !== undefined) return o[camel]
  return o[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)]
}

function decodeJson(body: Uint8Array): OtlpSpan[] {
  let message: unknown
  try {
    message = JSON.parse(Buffer.from(body).toString('utf8'))
  } catch (error) {
    throw KeelError.invalid(`The request body is not JSON: ${(error as Error).message}`)
  }
  if (!isObject(message)) throw KeelError.invalid('The request body must be an OTLP ExportTraceServiceRequest object')
  const spans: OtlpSpan[] = []
  for (const [i, rs] of list(field(message, 'resourceSpans'), 'resourceSpans').entries()) {
    for (const [j, ss] of list(field(rs, 'scopeSpans'), `resourceSpans[${i}].scopeSpans`).entries()) {
      for (const [k, s] of list(field(ss, 'spans'), `resourceSpans[${i}].scopeSpans[${j}].spans`).entries())
        spans.push(spanFromJson(s, `resourceSpans[${i}].scopeSpans[${j}].spans[${k}]`))
    }
  }
  return spans
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

function list(v: unknown, path: string): Json[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v) || !v.every(isObject)) throw KeelError.invalid(`'${path}' must be a list of objects`)
  return v
}

function hexId(v: unknown, path: string, optional = false): string {
  if ((v === undefined || v === '') && optional) return ''
  if (typeof v !== 'string' || !/^(?:[0-9a-fA-F]{2})+$/.test(v))
    throw KeelError.invalid(`'${path}' must be an id in hex digits (OTLP/JSON), got ${JSON.stringify(v) ?? 'nothing'}`)
  return v.toLowerCase()
}

function nanos(v: unknown, path: string): string {
  const text = typeof v === 'number' ? (Number.isSafeInteger(v) ? String(v) : '') : typeof v === 'string' ? v : ''
  if (!/^\d{1,20}$/.test(text))
    throw KeelError.invalid(`'${path}' must be nanoseconds since the epoch, got ${JSON.stringify(v)}`)
  return text
}

function valueFromJson(v: unknown, path: string): OtelValue {
  if (!isObject(v)) return {}
  const s = field(v, 'stringValue')
  if (s !== undefined) return { stringValue: String(s) }
  const b = field(v, 'boolValue')
  if (b !== undefined) return { boolValue: b === true || b === 'true' }
  const i = field(v, 'intValue')
  if (i !== undefined) {
    const text = String(i)
    if (!/^-?\d{1,19}$/.test(text))
      throw KeelError.invalid(`'${path}.intValue' must be an integer, got ${JSON.stringify(i)}`)
    return { intValue: text }
  }
  const d = field(v, 'doubleValue')
  if (d !== undefined) {
    const n =
      typeof d === 'number'
        ? d
        : d === 'NaN'
          ? Number.NaN
          : d === 'Infinity'
            ? Infinity
            : d === '-Infinity'
              ? -Infinity
              : Number(d)
    if (typeof d !== 'number' && Number.isNaN(n) && d !== 'NaN')
      throw KeelError.invalid(`'${path}.doubleValue' must be a number, got ${JSON.stringify(d)}`)
    return { doubleValue: n }
  }
  const bytes = field(v, 'bytesValue')
  if (bytes !== undefined) return { bytesValue: String(bytes) }
  const array = field(v, 'arrayValue')
  if (isObject(array)) {
    const values = array.values
    return {
      arrayValue: (Array.isArray(values) ? values : []).map((x, n) =>
        valueFromJson(x, `${path}.arrayValue.values[${n}]`),
      ),
    }
  }
  const kv = field(v, 'kvlistValue')
  if (isObject(kv)) return { kvlistValue: attributesFromJson(kv.values, `${path}.kvlistValue.values`) }
  return {}
}

function attributesFromJson(v: unknown, path: string): OtelAttribute[] {
  return list(v, path).map((kv, n) => {
    if (typeof kv.key !== 'string') throw KeelError.invalid(`'${path}[${n}].key' must be a string`)
    return { key: kv.key, value: valueFromJson(kv.value, `${path}[${n}].value`) }
  })
}

const STATUS_NAMES: Readonly<Record<string, SpanStatusCode>> = {
  STATUS_CODE_UNSET: 'UNSET',
  STATUS_CODE_OK: 'OK',
  STATUS_CODE_ERROR: 'ERROR',
}

function spanFromJson(s: Json, path: string): OtlpSpan {
  const status = isObject(s.status) ? s.status : {}
  const code = status.code
  const parent = hexId(field(s, 'parentSpanId'), `${path}.parentSpanId`, true)
  const end = field(s, 'endTimeUnixNano')
  const name = s.name
  if (typeof name !== 'string') throw KeelError.invalid(`'${path}.name' must be a string`)
  const kind = s.kind
  return checkSpan({
    otelTraceId: hexId(field(s, 'traceId'), `${path}.traceId`),
    spanId: hexId(field(s, 'spanId'), `${path}.spanId`),
    ...(parent !== '' && { parentSpanId: parent }),
    ...(typeof field(s, 'traceState') === 'string' &&
      field(s, 'traceState') !== '' && { traceState: field(s, 'traceState') as string }),
    name,
    ...(typeof kind === 'number' && { kind }),
    startTimeUnixNano: nanos(field(s, 'startTimeUnixNano'), `${path}.startTimeUnixNano`),
    ...(end !== undefined && end !== '0' && end !== 0 && { endTimeUnixNano: nanos(end, `${path}.endTimeUnixNano`) }),
    attributes: attributesFromJson(s.attributes, `${path}.attributes`),
    events: list(s.events, `${path}.events`).map((e, n) => ({
      name: String(e.name ?? ''),
      timeUnixNano: nanos(field(e, 'timeUnixNano') ?? '0', `${path}.events[${n}].timeUnixNano`),
      attributes: attributesFromJson(e.attributes, `${path}.events[${n}].attributes`),
    })),
    links: list(s.links, `${path}.links`).map((l, n) => ({
      traceId: hexId(field(l, 'traceId'), `${path}.links[${n}].traceId`),
      spanId: hexId(field(l, 'spanId'), `${path}.links[${n}].spanId`),
      attributes: attributesFromJson(l.attributes, `${path}.links[${n}].attributes`),
    })),
    status: {
      code: typeof code === 'number' ? (STATUS[code] ?? 'UNSET') : (STATUS_NAMES[String(code)] ?? 'UNSET'),
      ...(typeof status.message === 'string' && status.message !== '' && { message: status.message }),
    },
  })
}

/** OpenTelemetry's id sizes: 16-byte trace ids and 8-byte span ids, never all zeros. */
function checkSpan(span: OtlpSpan): OtlpSpan {
  if (!/^[0-9a-f]{32}$/.test(span.otelTraceId) || /^0+$/.test(span.otelTraceId))
    throw KeelError.invalid(
      `Span '${span.name}' has an invalid trace id '${span.otelTraceId}': OTLP trace ids are 16 bytes, not all zero`,
    )
  if (!/^[0-9a-f]{16}$/.test(span.spanId) || /^0+$/.test(span.spanId))
    throw KeelError.invalid(
      `Span '${span.name}' has an invalid span id '${span.spanId}': OTLP span ids are 8 bytes, not all zero`,
    )
  if (span.parentSpanId !== undefined && !/^[0-9a-f]{16}$/.test(span.parentSpanId))
    throw KeelError.invalid(`Span '${span.name}' has an invalid parent span id '${span.parentSpanId}'`)
  if (BigInt(span.startTimeUnixNano) >= 2n ** 64n)
    throw KeelError.invalid(`Span '${span.name}' starts beyond what 64 bits of nanoseconds hold`)
  return span
}
