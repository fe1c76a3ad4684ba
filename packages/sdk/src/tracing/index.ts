/** Tracing (MLflow 3's `@mlflow.trace`): spans around functions, sent to the server, read back. */
export {
  METADATA_MAX_LENGTH,
  type SearchTracesQuery,
  type TraceOptions,
  type TracedOptions,
  Tracer,
  type TracerContext,
  type TracerOptions,
} from './tracer.js'
export {
  type EndSpanOptions,
  LiveSpan,
  type LiveSpanEvent,
  type LiveSpanStatus,
  SPAN_KEYS,
  SPAN_TYPES,
  type SpanType,
  describeError,
} from './span.js'
export {
  EXPERIMENT_ID_HEADER,
  type FeedbackSource,
  type LogFeedbackOptions,
  OTLP_TRACES_PATH,
  type SearchTracesOptions,
  TracingClient,
} from './tracing-client.js'
export {
  assessmentEntityFromWire,
  attributesFromWire,
  idToHex,
  otelValueFromWire,
  otelValueToJs,
  spanAttributes,
  spanFromWire,
  spanInputs,
  spanOutputs,
  traceFromWire,
  traceInfoFromWire,
} from './convert.js'
export { type OtlpSpan, type OtlpTraceRequest, otlpTraceRequest, spanToOtlp } from './otlp.js'
export { type JsonValue, type OtlpAnyValue, type OtlpKeyValue, toAnyValue, toJsonValue } from './values.js'
