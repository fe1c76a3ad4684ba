/**
 * The runs grid's focus and selection: the focused row (arrows, Page Up / Page Down, Home, End
 * move it; Space selects it, Enter opens it), checkbox toggles with shift-click ranges, and a
 * new query starting at the top.
 */
import type { Run } from '@keel/contracts'
import type { Virtualizer } from '@tanstack/react-virtual'
import { type KeyboardEvent, type RefObject, useEffect, useEffectEvent, useRef, useState } from 'react'
import { useNavigate } from 'react-router'
import { ROW_HEIGHT } from './grid-geometry'
import type { Item } from './runs-table'

export function useGridNavigation({
  items,
  runs,
  selection,
  onSelect,
  rows,
  scrollRef,
  renderKey,
}: {
  items: readonly Item[]
  runs: readonly Run[]
  selection: ReadonlySet<string>
  onSelect: (next: ReadonlySet<string>) => void
  rows: Virtualizer<HTMLDivElement, Element>
  scrollRef: RefObject<HTMLDivElement | null>
  renderKey: string
}) {
  const navigate = useNavigate()
  const [focused, setFocused] = useState(() => items.findIndex((i) => i.kind === 'run'))
  const anchor = useRef<number | undefined>(undefined)

  // A new query starts at the top (on its first rows, not on each page loaded after them).
  const startAtTop = useEffectEvent(() => {
    rows.scrollToIndex(0)
    setFocused(items.findIndex((i) => i.kind === 'run'))
  })
  // biome-ignore lint/correctness/useExhaustiveDependencies: renderKey is what triggers this (a new query's rows); the effect reads the rows through startAtTop
  useEffect(() => startAtTop(), [renderKey])

  const toggle = (run: Run, shift: boolean) => {
    const next = new Set(selection)
    const index = runs.indexOf(run)
    if (shift && anchor.current !== undefined) {
      const [from, to] = anchor.current < index ? [anchor.current, index] : [index, anchor.current]
      const on = !selection.has(run.info.runId)
      for (let i = from; i <= to; i++) {
        const id = runs[i]?.info.runId
        if (id) on ? next.add(id) : next.delete(id)
      }
    } else if (next.has(run.info.runId)) next.delete(run.info.runId)
    else next.add(run.info.runId)
    anchor.current = index
    onSelect(next)
  }

  const moveTo = (target: number, direction: 1 | -1) => {
    let i = Math.max(0, Math.min(items.length - 1, target))
    while (items[i]?.kind === 'group' && i + direction >= 0 && i + direction < items.length) i += direction
    if (items[i]?.kind !== 'run') return
    setFocused(i)
    rows.scrollToIndex(i, { align: 'auto' })
  }

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.target !== e.currentTarget) return
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_HEIGHT) - 2)
    const at = Math.max(focused, 0)
    const item = items[at]
    switch (e.key) {
      case 'ArrowDown':
        moveTo(focused < 0 ? 0 : at + 1, 1)
        break
      case 'ArrowUp':
        moveTo(at - 1, -1)
        break
      case 'PageDown':
        moveTo(at + page, 1)
        break
      case 'PageUp':
        moveTo(at - page, -1)
        break
      case 'Home':
        moveTo(0, 1)
        break
      case 'End':
        moveTo(items.length - 1, -1)
        break
      case ' ':
        if (item?.kind === 'run') toggle(item.run, e.shiftKey)
        break
      case 'Enter':
        if (item?.kind === 'run') void navigate(`/runs/${item.run.info.runId}`)
        break
      default:
        return
    }
    e.preventDefault()
  }

  return { focused, setFocused, toggle, onKeyDown }
}
