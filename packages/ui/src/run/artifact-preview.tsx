/** The preview of one artifact: text, pretty JSON, YAML, CSV as a table, images; the first 1 MB only, with a download link. */
import { useEffect, useState } from 'react'
import { useApi } from '../api/use-api'
import { Empty, ErrorBox, Loading } from '../components/states'
import { formatBytes, looksLikeText, type PreviewKind, previewKind } from './artifact-kind'
import { CsvTable } from './csv-table'
import { dropPartialLine } from './csv'

export const PREVIEW_BYTES = 1024 * 1024

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

export function Preview({ path, url, size }: { path: string; url: string | undefined; size: number | undefined }) {
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
