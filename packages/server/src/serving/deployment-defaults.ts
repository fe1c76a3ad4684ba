/** A deployment's limits when neither its file nor a flag sets them (kept apart from the parser, so the CLI can print them in its help without loading it). */
export const DEFAULTS = {
  pollIntervalMs: 5_000,
  maxBodyBytes: 16 * 1024 * 1024,
  maxConcurrency: 512,
  predictionLog: { enabled: true, queueSize: 10_000, batchSize: 500, flushMs: 1_000 },
} as const
