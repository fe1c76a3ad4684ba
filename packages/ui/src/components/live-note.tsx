/** "● live" beside a page's title: it refreshes itself every 5 seconds, and says so when a refresh failed. */
export function LiveNote({ refreshFailed = false }: { refreshFailed?: boolean }) {
  return (
    <span className="live muted" title="This page refreshes every 5 seconds">
      <span className="live-dot" aria-hidden="true" /> live
      {refreshFailed && <span className="field-error"> — refresh failed, retrying</span>}
    </span>
  )
}
