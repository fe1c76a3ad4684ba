/**
 * The monitoring domain's batch path: a drift and data-quality report of current data against
 * reference data, each given inline (columns) or as an artifact URI resolved through the server's
 * artifact store and confined to it (`mlflow-artifacts:/…`, `runs:/<run_id>/<path>`). Errors are
 * KeelErrors naming the problem; bad input is never a 5xx.
 */
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { KeelError } from '@keel/contracts'
import type { DriftReport, FeatureType, RawValue, Table } from '@keel/monitoring'
import { joinArtifactPath, PROXIED_SCHEME, type ArtifactLocations } from '../artifacts/artifact-locations.js'
import { normalizeArtifactPath } from '../artifacts/safe-path.js'
import { driftReportOf } from './drift-input.js'
import { formatOf, readTable } from './table-reader.js'

export interface DatasetSource {
  /** inline columns: name -> cells */
  readonly columns?: Readonly<Record<string, readonly unknown[]>> | undefined
  /** an artifact URI on this server */
  readonly uri?: string | undefined
}

export interface DriftReportRequest {
  readonly reference: DatasetSource
  readonly current: DatasetSource
  readonly columns?: readonly string[] | undefined
  readonly tests?: Readonly<Record<string, string>> | undefined
  readonly thresholds?: Readonly<Record<string, number>> | undefined
  readonly driftShare?: number | undefined
}

export interface MonitoringDeps {
  readonly locations: ArtifactLocations
  /** a run's artifact root URI, or undefined when the run does not exist */
  readonly runArtifactUri: (runId: string) => Promise<string | undefined>
}

interface LoadedDataset {
  table: Table
  featureTypes: Readonly<Record<string, FeatureType>>
  name?: string | undefined
}

const invalid = (message: string) => KeelError.invalid(message)

function inlineTable(label: string, columns: Readonly<Record<string, readonly unknown[]>>): Table {
  const table: Record<string, RawValue[]> = {}
  for (const [name, cells] of Object.entries(columns)) {
    for (let i = 0; i < cells.length; i++) {
      const v = cells[i]
      if (v !== null && typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') {
        throw invalid(
          `${label}.columns.${name}[${i}] must be a number, string, boolean or null, got ${Array.isArray(v) ? 'a list' : typeof v}`,
        )
      }
    }
    table[name] = cells as RawValue[]
  }
  return table
}

export class MonitoringService {
  constructor(private readonly deps: MonitoringDeps) {}

  async driftReport(request: DriftReportRequest): Promise<DriftReport> {
    const [reference, current] = await Promise.all([
      this.load('reference', request.reference, request.columns),
      this.load('current', request.current, request.columns),
    ])
    return driftReportOf(reference.table, current.table, {
      ...(request.columns && { columns: request.columns }),
      ...(request.tests && { tests: request.tests }),
      ...(request.thresholds && { thresholds: request.thresholds }),
      ...(request.driftShare !== undefined && { driftShare: request.driftShare }),
      featureTypes: { ...current.featureTypes, ...reference.featureTypes },
      ...(reference.name !== undefined && { referenceName: reference.name }),
      ...(current.name !== undefined && { currentName: current.name }),
    })
  }

  /** Reads a CSV or Parquet artifact of this server into columns (the live monitors' references). */
  async loadArtifactTable(label: string, uri: string): Promise<LoadedDataset> {
    return this.load(label, { uri }, undefined)
  }

  private async load(
    label: string,
    source: DatasetSource,
    columns: readonly string[] | undefined,
  ): Promise<LoadedDataset> {
    const inline = source.columns !== undefined
    const byUri = source.uri !== undefined
    if (inline === byUri)
      throw invalid(
        `${label} must give either 'columns' (inline data) or 'uri' (an artifact on this server), not ${inline ? 'both' : 'neither'}`,
      )
    if (inline) return { table: inlineTable(label, source.columns!), featureTypes: {} }
    const uri = source.uri!
    const location = await this.resolve(label, uri)
    const format = formatOf(location.path)
    if (!format) throw invalid(`${label}.uri '${uri}': unknown format, name a .csv, .tsv or .parquet file`)
    const folder = await mkdtemp(join(tmpdir(), 'keel-monitoring-'))
    try {
      let file: Awaited<ReturnType<typeof location.repo.get>>
      try {
        file = await location.repo.get(location.path)
      } catch (error) {
        if (error instanceof KeelError && error.code === 'RESOURCE_DOES_NOT_EXIST')
          throw invalid(`${label}.uri '${uri}': no such artifact`)
        throw error
      }
      const local = join(folder, `data.${format}`)
      await pipeline(file.stream, createWriteStream(local))
      const read = await readTable(local, { format, label: uri, ...(columns && { columns }) })
      return { table: read.table, featureTypes: read.featureTypes, name: uri }
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  }

  /** An artifact URI to a repository and a path inside it; anything outside the store is refused. */
  private async resolve(label: string, uri: string) {
    const refuse = (why: string) => invalid(`${label}.uri '${uri.slice(0, 300)}': ${why}`)
    let artifactUri: string
    if (uri.startsWith('runs:/')) {
      const [runId = '', ...rest] = uri.slice('runs:/'.length).split('/')
      if (runId === '' || rest.join('/') === '') throw refuse('expected runs:/<run_id>/<path>')
      const root = await this.deps.runArtifactUri(runId)
      if (root === undefined) throw refuse(`run '${runId}' does not exist`)
      artifactUri = joinArtifactPath(root, safe(rest.join('/'), refuse))
    } else if (uri.startsWith(PROXIED_SCHEME)) {
      const rest = uri.slice(PROXIED_SCHEME.length)
      if (rest.startsWith('//')) throw refuse('an mlflow-artifacts: URI may not name another host')
      artifactUri = `${PROXIED_SCHEME}/${safe(rest.replace(/^\/+/, ''), refuse)}`
    } else {
      throw refuse('data must be an artifact of this server: mlflow-artifacts:/<path> or runs:/<run_id>/<path>')
    }
    try {
      const location = this.deps.locations.resolve(artifactUri)
      return { repo: location.repo, path: safe(location.path, refuse) }
    } catch (error) {
      if (error instanceof KeelError) throw refuse(error.message)
      throw error
    }
  }
}

function safe(path: string, refuse: (why: string) => KeelError): string {
  let normalized: string
  try {
    normalized = normalizeArtifactPath(path)
  } catch (error) {
    if (error instanceof KeelError) throw refuse(error.message.replace(/^Invalid artifact path /, 'path '))
    throw error
  }
  if (normalized === '') throw refuse('the path names no file')
  return normalized
}
