/** keel's mark (the one in the top bar), for the pages outside the app's frame. */
export function BrandMark() {
  return (
    <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
      <path d="M4 10h24l-4 12H8z" fill="currentColor" />
      <path d="M16 2v8" stroke="currentColor" strokeWidth="2" />
    </svg>
  )
}
