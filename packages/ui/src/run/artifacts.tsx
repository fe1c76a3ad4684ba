/**
 * The artifact browser of a run: a folder tree (listed lazily through the public API) and a
 * preview of the chosen file (text, pretty JSON, YAML such as MLmodel, CSV as a table, images),
 * with a download link for anything. Previews read the first 1 MB only.
 */
import { type FileInfo, fileInfoFromWire, trackingApi } from '@keel/contracts'
import { useCallback, useEffect, useEffectEvent, useState } from 'react'
import { artifactUrl, call } from '../api/client'
import { Empty, ErrorBox, Loading } from '../components/states'
import { ancestors } from './artifact-kind'
import { Preview } from './artifact-preview'
import { type Listing, Tree } from './artifact-tree'
import './run.css'

export interface ArtifactBrowserProps {
  readonly runId: string
  readonly artifactUri: string
  readonly selected: string | undefined
  onSelect(path: string | undefined): void
}

export function ArtifactBrowser({ runId, artifactUri, selected, onSelect }: ArtifactBrowserProps) {
  const [listings, setListings] = useState<ReadonlyMap<string, Listing>>(new Map())
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set(selected ? ancestors(selected) : []))

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

  // The root and every open folder: when shown, for another run, and on "Refresh". Opening a
  // folder lists it on its own (toggle), so the open folders are read, not followed.
  const listOpenFolders = () => {
    for (const dir of open) list(dir)
  }
  const refresh = () => {
    list('')
    listOpenFolders()
  }
  const listOpenFoldersOnShow = useEffectEvent(listOpenFolders)
  useEffect(() => {
    list('')
    listOpenFoldersOnShow()
  }, [list])

  // A selection from the URL opens its folders (those not open yet), listing those not listed yet.
  const openFoldersOf = useEffectEvent((path: string) => {
    const missing = ancestors(path).filter((d) => !open.has(d))
    if (missing.length === 0) return
    setOpen((o) => new Set([...o, ...missing]))
    for (const d of missing) if (!listings.has(d)) list(d)
  })
  useEffect(() => {
    if (selected) openFoldersOf(selected)
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
      <section className="artifact-tree" aria-label="Artifact files">
        <div className="artifact-tree-head">
          <span className="muted">Files</span>
          <button type="button" className="small" onClick={refresh}>
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
      </section>
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
