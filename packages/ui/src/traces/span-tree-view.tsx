/**
 * A trace's spans as a tree (the WAI-ARIA tree pattern, flat: each row says its level) beside a
 * small waterfall: each span's bar starts and ends where the span did within the trace. The arrow
 * keys move the selection (Right opens a span or goes to its first child, Left closes it or goes
 * to its parent; Home and End), a click selects, a click on the triangle opens or closes.
 */
import { type KeyboardEvent, type MouseEvent, useEffect, useRef } from 'react'
import { formatMillis } from '../format'
import { type SpanNode, type SpanRow, type SpanTree, spanBar, spanDurationMs, nanosToMs } from './span-tree'
import { SpanTypeBadge } from './trace-badges'

const INDENT_PX = 14

export function SpanTreeView({
  tree,
  rows,
  selected,
  onSelect,
  onToggle,
}: {
  tree: SpanTree
  rows: readonly SpanRow[]
  selected: string | undefined
  onSelect: (spanId: string) => void
  /** Open or close a span (`open`: whether to show its children). */
  onToggle: (spanId: string, open: boolean) => void
}) {
  const rowRefs = useRef(new Map<string, HTMLDivElement>())
  const moved = useRef(false)
  // After a move with the keyboard, the focus follows the selection.
  useEffect(() => {
    if (!moved.current || !selected) return
    moved.current = false
    const row = rowRefs.current.get(selected)
    row?.focus()
    row?.scrollIntoView?.({ block: 'nearest' })
  }, [selected])

  const index = rows.findIndex((r) => r.span.spanId === selected)
  const focusable = Math.max(index, 0)
  const totalMs = nanosToMs(tree.endNs - tree.startNs)

  const onKeyDown = (e: KeyboardEvent, row: SpanRow, at: number) => {
    const go = (to: number) => {
      const target = rows[Math.max(0, Math.min(rows.length - 1, to))]
      if (!target) return
      moved.current = true
      onSelect(target.span.spanId)
    }
    const { span } = row
    switch (e.key) {
      case 'ArrowDown':
        go(at + 1)
        break
      case 'ArrowUp':
        go(at - 1)
        break
      case 'Home':
        go(0)
        break
      case 'End':
        go(rows.length - 1)
        break
      case 'ArrowRight':
        if (row.hasChildren && !row.expanded) onToggle(span.spanId, true)
        else if (row.expanded) go(at + 1)
        break
      case 'ArrowLeft':
        if (row.expanded) onToggle(span.spanId, false)
        else if (span.treeParent) {
          moved.current = true
          onSelect(span.treeParent)
        }
        break
      case 'Enter':
      case ' ':
        if (row.hasChildren) onToggle(span.spanId, !row.expanded)
        else onSelect(span.spanId)
        break
      default:
        return
    }
    e.preventDefault()
  }

  const onClick = (e: MouseEvent, row: SpanRow) => {
    if (row.hasChildren && (e.target as HTMLElement).closest('.span-toggle')) onToggle(row.span.spanId, !row.expanded)
    onSelect(row.span.spanId)
  }

  return (
    <div className="span-tree-frame">
      <div className="span-tree-head" aria-hidden="true">
        <span>Span</span>
        <span className="span-dur-head">Duration</span>
        <span className="span-axis">
          <span>0</span>
          <span>{formatMillis(totalMs)}</span>
        </span>
      </div>
      <div className="span-tree" role="tree" aria-label="Spans">
        {rows.map((row, at) => {
          const { span } = row
          const siblings = siblingsOf(span, tree)
          const bar = spanBar(span, tree)
          const duration = spanDurationMs(span)
          const isSelected = span.spanId === selected
          return (
            <div
              key={span.spanId}
              ref={(el) => {
                if (el) rowRefs.current.set(span.spanId, el)
                else rowRefs.current.delete(span.spanId)
              }}
              role="treeitem"
              aria-level={span.depth + 1}
              aria-setsize={siblings.length}
              aria-posinset={siblings.indexOf(span) + 1}
              aria-selected={isSelected}
              aria-expanded={row.hasChildren ? row.expanded : undefined}
              tabIndex={at === focusable ? 0 : -1}
              className={`span-row${isSelected ? ' selected' : ''}${span.status === 'ERROR' ? ' span-error' : ''}`}
              data-span-id={span.spanId}
              onClick={(e) => onClick(e, row)}
              onKeyDown={(e) => onKeyDown(e, row, at)}
            >
              <span className="span-label" style={{ paddingLeft: span.depth * INDENT_PX }}>
                <span className="span-toggle" aria-hidden="true">
                  {row.hasChildren ? (row.expanded ? '▾' : '▸') : ''}
                </span>
                <SpanTypeBadge type={span.type} />
                <span className="span-name">{span.name}</span>
                {span.status === 'ERROR' && (
                  <span className="span-error-mark" title="This span failed">
                    <span aria-hidden="true">!</span>
                    <span className="sr-only">(error)</span>
                  </span>
                )}
              </span>
              <span className="span-dur">{duration === undefined ? 'open' : formatMillis(duration)}</span>
              <span className="span-timeline" aria-hidden="true">
                <span
                  className={`span-bar span-bar-${span.status.toLowerCase()}${span.endNs === undefined ? ' span-bar-open' : ''}`}
                  // The bar's least width (CSS) stays inside the track: a span that starts at the end ends there.
                  style={{
                    left: `min(${bar.offset * 100}%, calc(100% - ${span.endNs === undefined ? 6 : 2}px))`,
                    width: `${bar.width * 100}%`,
                  }}
                />
              </span>
            </div>
          )
        })}
      </div>
    </div>
  )
}

function siblingsOf(span: SpanNode, tree: SpanTree): readonly SpanNode[] {
  const parent = span.treeParent ? tree.byId.get(span.treeParent) : undefined
  return parent ? parent.children : tree.roots
}
