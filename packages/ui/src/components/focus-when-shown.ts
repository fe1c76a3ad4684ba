/**
 * Focus management for a form the user opens (Rename, Edit, Set password, New experiment, the
 * column picker's search): as an element's ref, it gives that element the focus when it appears,
 * so typing goes where the user just asked to type. Not for what a page shows on load.
 * A module-level function, so React calls it only when the element is attached, not on each render.
 */
export function focusWhenShown(element: HTMLElement | null): void {
  element?.focus()
}
