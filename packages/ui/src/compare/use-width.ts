/** The width of an element in CSS pixels, following resizes (SVG plots draw at their real size so text stays readable). */
import { type RefObject, useLayoutEffect, useState } from 'react'

export function useWidth(ref: RefObject<HTMLElement | null>, fallback = 720): number {
  const [width, setWidth] = useState(fallback)
  useLayoutEffect(() => {
    const el = ref.current
    if (!el) return
    setWidth(el.clientWidth || fallback)
    const observer = new ResizeObserver(() => setWidth(el.clientWidth || fallback))
    observer.observe(el)
    return () => observer.disconnect()
  }, [ref, fallback])
  return width
}
