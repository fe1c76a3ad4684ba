/**
 * `keel models alias protect|unprotect|protections|request|approve|reject|cancel|requests`:
 * protected aliases. Moving a protected alias needs MANAGE on the model and, when the protection
 * asks for it, a request that a second user with MANAGE approves (the move happens then).
 */
import { ALIAS_REQUEST_STATUSES, type AliasChangeRequest, type AliasRequestStatus } from '@keel/contracts'
import type { Command } from 'commander'
import pc from 'picocolors'
import { oneOf, positiveInt } from './arg-parsers.js'
import { registryFor, withClientOptions, type ClientFlags } from './client-options.js'
import { formatTime, printJson, printTable } from './output.js'

type CommentFlags = ClientFlags & { comment?: string }
const comment = (flags: CommentFlags) => (flags.comment !== undefined ? { comment: flags.comment } : {})
const target = (r: AliasChangeRequest) =>
  `${r.name}@${r.alias} → ${r.version === undefined ? 'removed' : `v${r.version}`}`

/** Adds the protection commands to the `keel models alias` group. */
export function registerAliasProtectionCommands(alias: Command): void {
  withClientOptions(alias.command('protect'))
    .description('Protect an alias: moving it then needs MANAGE, and with --require-approval a second user’s approval')
    .argument('<model>', 'registered model name')
    .argument('<alias>', 'alias, e.g. champion')
    .option('--require-approval', 'moves go through `request` and another user’s `approve`')
    .option('-m, --comment <text>', 'why, for the audit trail')
    .action(async (model: string, aliasName: string, flags: CommentFlags & { requireApproval?: boolean }) => {
      const protection = await registryFor(flags).protectAlias(model, aliasName, {
        requireApproval: flags.requireApproval === true,
        ...comment(flags),
      })
      if (flags.json) return printJson(protection)
      const how = protection.requireApproval ? 'a move needs a second user’s approval' : 'a move needs MANAGE'
      process.stdout.write(`${pc.green('✓')} ${model}@${aliasName} is protected: ${how}\n`)
    })

  withClientOptions(alias.command('unprotect'))
    .description('Remove the protection of an alias')
    .argument('<model>', 'registered model name')
    .argument('<alias>', 'alias')
    .option('-m, --comment <text>', 'why, for the audit trail')
    .action(async (model: string, aliasName: string, flags: CommentFlags) => {
      await registryFor(flags).unprotectAlias(model, aliasName, comment(flags))
      if (flags.json) return printJson({ name: model, alias: aliasName, protected: false })
      process.stdout.write(`${pc.green('✓')} ${model}@${aliasName} is no longer protected\n`)
    })

  withClientOptions(alias.command('protections'))
    .description("A model's protected aliases")
    .argument('<model>', 'registered model name')
    .action(async (model: string, flags: ClientFlags) => {
      const list = await registryFor(flags).listAliasProtections(model)
      if (flags.json) return printJson(list)
      printTable(
        ['Alias', 'Approval', 'Protected by', 'Since'],
        list.map((p) => [p.alias, p.requireApproval ? 'required' : '', p.protectedBy, formatTime(p.protectedTime)]),
      )
    })

  withClientOptions(alias.command('request'))
    .description('Ask to point a protected alias at a version (or, with --remove, to remove it); another user approves')
    .argument('<model>', 'registered model name')
    .argument('<alias>', 'alias')
    .argument('[version]', 'version number')
    .option('--remove', 'ask to remove the alias instead')
    .option('-m, --comment <text>', 'why, for the approver and the audit trail')
    .action(
      async (
        model: string,
        aliasName: string,
        version: string | undefined,
        flags: CommentFlags & { remove?: boolean },
      ) => {
        if ((version === undefined) === (flags.remove !== true))
          throw new Error('give either a version to move the alias to, or --remove')
        const request = await registryFor(flags).requestAliasChange(model, aliasName, version, comment(flags))
        if (flags.json) return printJson(request)
        process.stdout.write(
          `${pc.green('✓')} request ${pc.bold(`#${request.requestId}`)}: ${target(request)}, waiting for another user's approval\n`,
        )
      },
    )

  const decide = (name: 'approve' | 'reject' | 'cancel', description: string, verb: string) =>
    withClientOptions(alias.command(name))
      .description(description)
      .argument('<request-id>', 'the id from `keel models alias requests`')
      .option('-m, --comment <text>', 'why, for the audit trail')
      .action(async (requestId: string, flags: CommentFlags) => {
        const registry = registryFor(flags)
        const call = {
          approve: registry.approveAliasChange,
          reject: registry.rejectAliasChange,
          cancel: registry.cancelAliasChange,
        }[name]
        const request = await call.call(registry, requestId, comment(flags))
        if (flags.json) return printJson(request)
        process.stdout.write(`${pc.green('✓')} ${verb} request #${request.requestId}: ${target(request)}\n`)
      })
  decide('approve', 'Approve a pending request (MANAGE, and not its requester): the alias moves at once', 'approved')
  decide('reject', 'Reject a pending request (MANAGE, and not its requester)', 'rejected')
  decide('cancel', 'Withdraw your own pending request', 'withdrew')

  withClientOptions(alias.command('requests'))
    .description('Alias change requests, newest first')
    .option('--model <name>', 'one registered model only')
    .option('--status <status>', ALIAS_REQUEST_STATUSES.join(' | '), oneOf(ALIAS_REQUEST_STATUSES))
    .option('-n, --max-results <n>', 'how many to show', positiveInt, 100)
    .action(async (flags: ClientFlags & { model?: string; status?: AliasRequestStatus; maxResults: number }) => {
      const page = await registryFor(flags).listAliasChanges({
        ...(flags.model !== undefined && { name: flags.model }),
        ...(flags.status !== undefined && { status: flags.status }),
        maxResults: flags.maxResults,
      })
      if (flags.json) return printJson(page.items)
      printTable(
        ['ID', 'Change', 'Status', 'Requested', 'By', 'Comment', 'Decided by', 'Decision comment'],
        page.items.map((r) => [
          r.requestId,
          target(r),
          r.status === 'pending' ? pc.yellow(r.status) : r.status,
          formatTime(r.requestedTime),
          r.requestedBy,
          r.comment ?? '',
          r.decidedBy ?? '',
          r.decisionComment ?? '',
        ]),
      )
      if (page.nextPageToken) process.stdout.write(pc.dim('more requests match; raise --max-results to see them\n'))
    })
}
