/** The artifact browser's folder tree: folders open in place (listed lazily), files are chosen for the preview. */
import type { FileInfo } from '@keel/contracts'
import { formatBytes } from './artifact-kind'

/** A folder's files, or why they are not there. */
export type Listing = readonly FileInfo[] | Error | 'loading'

interface TreeProps {
  readonly dir: string
  readonly listings: ReadonlyMap<string, Listing>
  readonly open: ReadonlySet<string>
  readonly selected: string | undefined
  readonly depth: number
  onToggle(dir: string): void
  onSelect(path: string): void
}

export function Tree({ dir, listings, open, selected, depth, onToggle, onSelect }: TreeProps) {
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
