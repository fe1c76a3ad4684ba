/** The monitor page's header: what it watches and how, its status with pause/resume, and "Run now". */
import type { Monitor } from '@keel/contracts'
import { useState } from 'react'
import { Link } from 'react-router'
import { LiveNote } from '../components/live-note'
import { MonitorFacts } from './monitor-facts'
import { runMonitor, updateMonitorStatus } from './monitoring-data'
import { MonitorStatus } from './monitors-table'

export function MonitorHeader({
  monitor: m,
  refreshFailed,
  onChanged,
}: {
  monitor: Monitor
  refreshFailed: boolean
  onChanged: () => void
}) {
  const [busy, setBusy] = useState<'status' | 'run' | undefined>()
  const [note, setNote] = useState<{ ok: boolean; text: string } | undefined>()
  const paused = m.status === 'paused'

  const act = async (what: 'status' | 'run') => {
    setBusy(what)
    setNote(undefined)
    try {
      if (what === 'status') {
        const next = await updateMonitorStatus(m.monitorId, paused ? 'active' : 'paused')
        setNote({
          ok: true,
          text: next.status === 'paused' ? 'Paused: no window is processed until it is resumed.' : 'Resumed.',
        })
      } else {
        const r = await runMonitor(m.monitorId)
        setNote({
          ok: true,
          text:
            r.windows === 0
              ? 'Ran: no complete window to process yet.'
              : `Ran: ${r.windows} new window${r.windows === 1 ? '' : 's'}, ${r.alerts} alert${r.alerts === 1 ? '' : 's'} fired.`,
        })
      }
      onChanged()
    } catch (e) {
      setNote({ ok: false, text: (e as Error).message })
    } finally {
      setBusy(undefined)
    }
  }

  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link to="/monitoring">Monitoring</Link> /{' '}
        <Link to={`/monitoring?deployment=${encodeURIComponent(m.deployment)}`}>{m.deployment}</Link> / {m.name}
      </nav>
      <div className="page-head">
        <h1 id="monitor-title">
          {m.name} <MonitorStatus monitor={m} />
        </h1>
        <LiveNote refreshFailed={refreshFailed} />
        <div className="head-actions">
          <button type="button" disabled={busy !== undefined} onClick={() => void act('status')}>
            {paused ? 'Resume' : 'Pause'}
          </button>
          <button
            type="button"
            className="primary"
            disabled={busy !== undefined || paused}
            title={paused ? 'Resume the monitor to run it' : 'Process every complete window now'}
            onClick={() => void act('run')}
          >
            {busy === 'run' ? 'Running…' : 'Run now'}
          </button>
        </div>
      </div>
      {note && (
        <p className={note.ok ? 'notice' : 'field-error'} role={note.ok ? 'status' : 'alert'}>
          {note.text}
        </p>
      )}
      <MonitorFacts monitor={m} />
    </>
  )
}
