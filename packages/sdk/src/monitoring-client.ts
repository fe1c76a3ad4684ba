/**
 * `MonitoringClient`: drift and data-quality reports. `driftReport` computes locally with
 * `@keel/monitoring` (pure TypeScript, no server needed); `remoteDriftReport` asks a keel server,
 * which can also read the data from its artifact store (`{ uri: 'runs:/<run_id>/data.csv' }`).
 */
import { driftReportFromWire, keelMonitoringApi as api, type WireDatasetSource } from '@keel/contracts'
import {
  buildDriftReport,
  renderHtmlReport,
  type DriftReport,
  type DriftReportOptions,
  type Table,
} from '@keel/monitoring'
import type { HttpClient } from './http.js'

export interface DriftReportInput extends DriftReportOptions {
  readonly reference: Table
  readonly current: Table
}

/** Data for the server: columns sent inline, or an artifact the server reads. */
export type RemoteDataset = Table | { readonly uri: string }

export interface RemoteDriftReportInput {
  readonly reference: RemoteDataset
  readonly current: RemoteDataset
  readonly columns?: readonly string[]
  readonly tests?: Readonly<Record<string, string>>
  readonly thresholds?: Readonly<Record<string, number>>
  readonly driftShare?: number
}

const isUri = (d: RemoteDataset): d is { readonly uri: string } =>
  typeof (d as { uri?: unknown }).uri === 'string' && !Array.isArray((d as { uri?: unknown }).uri)

function toWire(d: RemoteDataset): WireDatasetSource {
  if (isUri(d)) return { uri: d.uri }
  const columns: Record<string, unknown[]> = {}
  for (const [name, values] of Object.entries(d)) {
    // JSON has no NaN or Infinity: missing values travel as null
    columns[name] = Array.from(values as ArrayLike<unknown>, (v) =>
      typeof v === 'number' && !Number.isFinite(v) ? null : (v ?? null),
    )
  }
  return { columns }
}

export class MonitoringClient {
  constructor(private readonly http: () => HttpClient) {}

  /** The drift and data-quality report of `current` against `reference`, computed here. */
  async driftReport(input: DriftReportInput): Promise<DriftReport> {
    const { reference, current, ...options } = input
    return buildDriftReport(reference, current, options)
  }

  /** The same report computed by the server (POST /api/2.0/keel/monitoring/drift). */
  async remoteDriftReport(input: RemoteDriftReportInput): Promise<DriftReport> {
    const wire = await this.http().call(api.driftReport, {
      reference: toWire(input.reference),
      current: toWire(input.current),
      ...(input.columns && { columns: [...input.columns] }),
      ...(input.tests && { tests: { ...input.tests } }),
      ...(input.thresholds && { thresholds: { ...input.thresholds } }),
      ...(input.driftShare !== undefined && { drift_share: input.driftShare }),
    })
    return driftReportFromWire(wire) as DriftReport
  }

  /** The report as one self-contained HTML page (inline CSS and SVG). */
  renderHtmlReport(report: DriftReport): string {
    return renderHtmlReport(report)
  }
}
