/**
 * `keel audit`: the server's append-only log of writes, refused ones included (admins), oldest
 * first: who (and whether proven), from which address, what, on which resource, and the status.
 */
import type { AuditRecord } from '@keel/sdk'
import type { Command } from 'commander'
import pc from 'picocolors'
import { parseTime, positiveInt } from './arg-parsers.js'
import { authFor, withClientOptions, type ClientFlags } from './client-options.js'
import { formatTime, printJson, printTable } from './output.js'

interface AuditFlags extends ClientFlags {
  user?: string
  action?: string
  since?: number
  until?: number
  limit: number
}

/** The server's largest page. */
const PAGE = 1000

export function registerAuditCommand(program: Command): void {
  withClientOptions(program.command('audit'))
    .description('The audit log of writes, oldest first (admins): who did what, when, from where, and how it ended')
    .option('-u, --user <username>', 'one actor only')
    .option('-a, --action <text>', "actions containing this text, any case (e.g. 'experiments/create', 'DELETE')")
    .option('--since <iso>', 'from this time on (e.g. 2024-05-01 or 2024-05-01T12:00:00Z)', parseTime)
    .option('--until <iso>', 'before this time', parseTime)
    .option('-n, --limit <n>', 'how many records at most', positiveInt, 100)
    .action(async (flags: AuditFlags) => {
      const { records, more } = await search(flags)
      if (flags.json) return printJson(records)
      printTable(
        ['When (UTC)', 'Actor', 'Action', 'Resource', 'Status', 'Address'],
        records.map((r) => [
          formatTime(r.timestampMs),
          r.authenticated ? r.actor : `${r.actor} ${pc.dim('(unproven)')}`,
          r.action,
          Object.entries(r.resource ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
          r.status < 400 ? String(r.status) : pc.red(String(r.status)),
          r.address,
        ]),
      )
      if (more) process.stdout.write(pc.dim('more records match; raise --limit or narrow with --since\n'))
    })
}

/** Pages through the log until `limit` records match; the server filters by actor and time, the CLI by action. */
async function search(flags: AuditFlags): Promise<{ records: AuditRecord[]; more: boolean }> {
  const auth = authFor(flags)
  const action = flags.action?.toLowerCase()
  const records: AuditRecord[] = []
  let pageToken: string | undefined
  for (;;) {
    const page = await auth.searchAudit({
      ...(flags.user !== undefined && { actor: flags.user }),
      ...(flags.since !== undefined && { startTime: flags.since }),
      ...(flags.until !== undefined && { endTime: flags.until }),
      maxResults: action === undefined ? Math.min(PAGE, flags.limit - records.length + 1) : PAGE,
      ...(pageToken !== undefined && { pageToken }),
    })
    records.push(
      ...(action === undefined ? page.records : page.records.filter((r) => r.action.toLowerCase().includes(action))),
    )
    pageToken = page.nextPageToken
    if (records.length > flags.limit) return { records: records.slice(0, flags.limit), more: true }
    if (pageToken === undefined) return { records, more: false }
  }
}
