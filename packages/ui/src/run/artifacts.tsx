/**
 * The artifact browser of a run: a folder tree (listed lazily through the public API) and a
 * preview of the chosen file (text, pretty JSON, YAML such as MLmodel, CSV as a table, images),
 * with a download link for anything. Previews read the first 1 MB only.
 */
import { type FileInfo, fileInfoFromWire, trackingApi } from '@keel/contracts'
import { useCallback, useEffect, useState } from 'react'
import { artifactUrl, call } from '../api/client'
import { useApi } from '../api/use-api'
import { Empty, ErrorBox, Loading } from '../components/states'
import { ancestors, formatBytes, looksLikeText, type PreviewKind, previewKind } from './artifact-kind'
import { dropPartialLine, parseCsv } from './csv'
import './run.css'

export const PREVIEW_BYTES = 1024 * 1024
const CSV_ROWS = 500

type Listing = readonly FileInfo[] | Error | 'loading'

export interface ArtifactBrowserProps {
  readonly runId: string
  readonly artifactUri: string
  readonly selected: string | undefined
  onSelect(path: string | undefined): void
}

export function ArtifactBrowser({ runId, artifactUri, selected, onSelect }: ArtifactBrowserProps) {
  const [listings, setListings] = useState<ReadonlyMap<string, Listing>>(new Map())
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set(selected ? ancestors(selected) : []))
  const [generation, setGeneration] = useState(0)

  const list = useCallback(
    (dir: string) => {
      setListings((m) => new Map(m).set(dir, m.get(dir) && m.get(dir) !== 'loading' ? m.get(dir)! : 'loading'))
      call(trackingApi.listArtifacts, { run_id: runId, ...(dir && { path: dir }) })
        .then((res) => {
          const files = (res.files ?? [])
            .map(fileInfoFromWire)
            .sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.path.localeCompare(b.path))
          setListings((m) => new Map(m).set(dir, files))
        })
        .catch((e: unknown) => setListings((m) => new Map(m).set(dir, e instanceof Error ? e : new Error(String(e)))))
    },
    [runId],
  )

  // The root and every open folder; again on "Refresh".
  useEffect(() => {
    list('')
    for (const dir of open) list(dir)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [list, generation])

  // A selection from the URL opens its folders.
  useEffect(() => {
    if (!selected) return
    const missing = ancestors(selected).filter((d) => !open.has(d))
    if (missing.length === 0) return
    setOpen((o) => new Set([...o, ...missing]))
    for (const d of missing) if (!listings.has(d)) list(d)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selected])

  const toggle = (dir: string) => {
    const next = new Set(open)
    if (next.has(dir)) next.delete(dir)
    else {
      next.add(dir)
      if (!listings.has(dir)) list(dir)
    }
    setOpen(next)
  }

  const root = listings.get('')
  const selectedInfo = selected ? findFile(listings, selected) : undefined

  return (
    <div className="artifacts">
      <div className="artifact-tree" aria-label="Artifact files">
        <div className="artifact-tree-head">
          <span className="muted">Files</span>
          <button type="button" className="small" onClick={() => setGeneration((g) => g + 1)}>
            Refresh
          </button>
        </div>
        {root === undefined || root === 'loading' ? (
          <Loading what="artifacts" />
        ) : root instanceof Error ? (
          <ErrorBox error={root} onRetry={() => list('')} />
        ) : root.length === 0 ? (
          <Empty title="No artifacts">This run has not logged any files.</Empty>
        ) : (
          <Tree
            dir=""
            listings={listings}
            open={open}
            selected={selected}
            onToggle={toggle}
            onSelect={onSelect}
            depth={0}
          />
        )}
      </div>
      <div className="artifact-preview">
        {selected ? (
          <Preview
            key={selected}
            path={selected}
            url={artifactUrl(artifactUri, selected)}
            size={selectedInfo?.fileSize}
          />
        ) : (
          <Empty title="Choose a file">Select a file on the left to preview it or download it.</Empty>
        )}
      </div>
    </div>
  )
}

function findFile(listings: ReadonlyMap<string, Listing>, path: string): FileInfo | undefined {
  const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : ''
  const files = listings.get(parent)
  return Array.isArray(files) ? (files as FileInfo[]).find((f) => f.path === path) : undefined
}

interface TreeProps {
  readonly dir: string
  readonly listings: ReadonlyMap<string, Listing>
  readonly open: ReadonlySet<string>
  readonly selected: string | undefined
  readonly depth: number
  onToggle(dir: string): void
  onSelect(path: string): void
}

function Tree({ dir, listings, open, selected, depth, onToggle, onSelect }: TreeProps) {
  const files = listings.get(dir)
  if (files === undefined || files === 'loading') return <div className="tree-note muted">Loading…</div>
  if (files instanceof Error) return <div className="tree-note field-error">{files.message}</div>
  if (files.length === 0) return <div className="tree-note muted">(empty folder)</div>
  return (
    <ul className="tree" role={depth === 0 ? 'list' : undefined}>
      {files.map((f) => {
        const name = f.path.split('/').pop()
        const isOpen = open.has(f.path)
        return (
          <li key={f.path}>
            {f.isDir ? (
              <>
                <button
                  type="button"
                  className="tree-item tree-dir"
                  aria-expanded={isOpen}
                  onClick={() => onToggle(f.path)}
                >
                  <span className="tree-caret" aria-hidden="true">
                    {isOpen ? '▾' : '▸'}
                  </span>
                  {name}/
                </button>
                {isOpen && (
                  <Tree
                    dir={f.path}
                    listings={listings}
                    open={open}
                    selected={selected}
                    depth={depth + 1}
                    onToggle={onToggle}
                    onSelect={onSelect}
                  />
                )}
              </>
            ) : (
              <button
                type="button"
                className="tree-item tree-file"
                aria-current={selected === f.path ? 'true' : undefined}
                onClick={() => onSelect(f.path)}
              >
                <span className="tree-name">{name}</span>
                <span className="tree-size muted">{formatBytes(f.fileSize)}</span>
              </button>
            )}
          </li>
        )
      })}
    </ul>
  )
}

interface Head {
  readonly bytes: Uint8Array
  readonly total: number | undefined
  readonly truncated: boolean
}

/** The first `limit` bytes of a URL (the rest is never downloaded). */
async function fetchHead(url: string, limit: number, signal: AbortSignal): Promise<Head> {
  const res = await fetch(url, { signal })
  if (!res.ok) throw new Error(`Download answered ${res.status} ${res.statusText}`)
  const length = res.headers.get('content-length')
  const total = length === null ? undefined : Number(length)
  const reader = res.body!.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  let truncated = false
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.length
    if (size >= limit) {
      truncated = size > limit || (total !== undefined && total > limit)
      await reader.cancel()
      break
    }
  }
  const bytes = new Uint8Array(Math.min(size, limit))
  let at = 0
  for (const c of chunks) {
    const part = c.subarray(0, Math.min(c.length, bytes.length - at))
    bytes.set(part, at)
    at += part.length
    if (at >= bytes.length) break
  }
  return { bytes, total, truncated }
}

function Preview({ path, url, size }: { path: string; url: string | undefined; size: number | undefined }) {
  const kind = previewKind(path)
  const name = path.split('/').pop() ?? path
  const head = useApi(url && kind !== 'image' ? url : null, (signal) => fetchHead(url!, PREVIEW_BYTES, signal))
  return (
    <div className="preview">
      <div className="preview-head">
        <h3 className="mono">{path}</h3>
        <span className="muted">{formatBytes(size ?? head.data?.total)}</span>
        {url && (
          <a className="button-link" href={url} download={name}>
            Download
          </a>
        )}
      </div>
      {!url ? (
        <Empty title="Not downloadable here">This run's artifacts are not stored on this server.</Empty>
      ) : kind === 'image' ? (
        <div className="preview-image">
          <img src={url} alt={name} />
        </div>
      ) : head.error ? (
        <ErrorBox error={head.error} onRetry={head.reload} />
      ) : !head.data ? (
        <Loading what={name} />
      ) : (
        <>
          {head.data.truncated && (
            <p className="preview-note" role="note">
              Large file: previewing the first {formatBytes(PREVIEW_BYTES)}
              {head.data.total !== undefined && ` of ${formatBytes(head.data.total)}`}. Download it for the rest.
            </p>
          )}
          <PreviewBody kind={kind} head={head.data} name={name} />
        </>
      )}
    </div>
  )
}

function decode(head: Head): string {
  return new TextDecoder('utf-8').decode(head.bytes)
}

function PreviewBody({ kind, head, name }: { kind: PreviewKind; head: Head; name: string }) {
  const [svgUrl, setSvgUrl] = useState<string>()
  useEffect(() => {
    if (kind !== 'svg' || head.truncated) return
    const u = URL.createObjectURL(new Blob([head.bytes as BlobPart], { type: 'image/svg+xml' }))
    setSvgUrl(u)
    return () => URL.revokeObjectURL(u)
  }, [kind, head])

  if (kind === 'svg') {
    return svgUrl ? (
      <div className="preview-image">
        <img src={svgUrl} alt={name} />
      </div>
    ) : (
      <pre className="artifact-text">{decode(head)}</pre>
    )
  }
  if (kind === 'json') {
    const text = decode(head)
    let pretty: string | undefined
    if (!head.truncated) {
      try {
        pretty = JSON.stringify(JSON.parse(text), null, 2)
      } catch {
        pretty = undefined
      }
    }
    return (
      <>
        {pretty === undefined && !head.truncated && <p className="preview-note">Not valid JSON; shown as text.</p>}
        <pre className="artifact-text" data-kind="json">
          {pretty ?? text}
        </pre>
      </>
    )
  }
  if (kind === 'csv' || kind === 'tsv')
    return (
      <CsvTable
        text={head.truncated ? dropPartialLine(decode(head)) : decode(head)}
        delimiter={kind === 'tsv' ? '\t' : ','}
      />
    )
  if (kind === 'yaml' || kind === 'text' || looksLikeText(head.bytes)) {
    return (
      <pre className="artifact-text" data-kind={kind === 'yaml' ? 'yaml' : 'text'}>
        {decode(head)}
      </pre>
    )
  }
  return <Empty title="No preview for this file type">It looks binary. Use Download to open it.</Empty>
}

function CsvTable({ text, delimiter }: { text: string; delimiter: string }) {
  const { rows, complete } = parseCsv(text, { delimiter, maxRows: CSV_ROWS + 1 })
  if (rows.length === 0) return <Empty title="Empty CSV file" />
  const [header, ...body] = rows
  const width = Math.max(...rows.map((r) => r.length))
  const numeric = Array.from(
    { length: width },
    (_, j) => body.length > 0 && body.every((r) => r[j] === undefined || r[j] === '' || isNumeric(r[j])),
  )
  return (
    <div className="csv-wrap">
      <p className="preview-note">
        {complete ? `${body.length} rows, ${width} columns` : `First ${body.length} rows shown, ${width} columns`}
      </p>
      <div className="csv-scroll">
        <table className="table csv-table">
          <thead>
            <tr>
              {Array.from({ length: width }, (_, i) => (
                <th key={i} scope="col" className={numeric[i] ? 'num' : undefined}>
                  {header![i] ?? ''}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {body.map((r, i) => (
              <tr key={i}>
                {Array.from({ length: width }, (_, j) => (
                  <td key={j} className={numeric[j] ? 'num' : undefined}>
                    {r[j] ?? ''}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  )
}

function isNumeric(s: string | undefined): boolean {
  return s !== undefined && s.trim() !== '' && Number.isFinite(Number(s))
}
