/**
 * `keel models`: the registry from a terminal. List and describe models, their versions with
 * lineage, move aliases and stages (with a comment for the audit trail), and read the trail: the
 * answer to "who approved this for production?".
 */
import type { ModelVersion, RegisteredModel, RegistryEvent } from '@keel/contracts'
import type { Command } from 'commander'
import pc from 'picocolors'
import { registryFor, withClientOptions, type ClientFlags } from './client-options.js'
import { formatNumber, formatTime, printJson, printTable } from './output.js'
import { registerServeCommand } from './serve-command.js'
import { registerConvertCommand } from './convert-command.js'
import { registerAliasProtectionCommands } from './alias-command.js'

interface ListFlags extends ClientFlags {
  filter?: string
  orderBy?: string[]
  maxResults: number
}

const int = (v: string) => Number(v)

export function registerModelCommands(program: Command): void {
  const models = program
    .command('models')
    .description('Registered models: versions, aliases, stages and their audit trail; serving')
  registerServeCommand(models)
  registerConvertCommand(models)

  withClientOptions(models.command('list'))
    .description('List registered models')
    .option('-f, --filter <filter>', 'e.g. "name LIKE \'iris%\'"')
    .option('-o, --order-by <clause...>', "e.g. 'last_updated_timestamp DESC'")
    .option('-n, --max-results <n>', 'how many to show', int, 100)
    .action(async (flags: ListFlags) => {
      const page = await registryFor(flags).searchRegisteredModels({
        ...(flags.filter && { filter: flags.filter }),
        ...(flags.orderBy && { orderBy: flags.orderBy }),
        maxResults: flags.maxResults,
      })
      if (flags.json) return printJson(page.items)
      printTable(
        ['Name', 'Latest', 'Aliases', 'Stages', 'Updated', 'Description'],
        page.items.map((m) => [
          m.name,
          latest(m),
          m.aliases.map((a) => `${a.alias}→v${a.version}`).join(' '),
          m.latestVersions
            .filter((v) => v.currentStage !== 'None')
            .map((v) => `${v.currentStage}:v${v.version}`)
            .join(' '),
          formatTime(m.lastUpdatedTimestamp),
          truncate(m.description ?? '', 40),
        ]),
      )
      if (page.nextPageToken) process.stdout.write(pc.dim('more models match; raise --max-results to see them\n'))
    })

  withClientOptions(models.command('describe'))
    .description('Show a model and its versions, or one version with its lineage')
    .argument('<name>', 'registered model name')
    .option('-v, --version <n>', 'one version: its details and lineage (code, data, params, metrics)')
    .action(async (name: string, flags: ClientFlags & { version?: string }) => {
      const registry = registryFor(flags)
      if (flags.version !== undefined) {
        const [version, lineage] = await Promise.all([
          registry.getModelVersion(name, flags.version),
          registry.getModelVersionLineage(name, flags.version),
        ])
        if (flags.json) return printJson({ version, lineage })
        process.stdout.write(`${pc.bold(`${name} v${version.version}`)} ${stage(version.currentStage)}\n`)
        printTable(
          ['Field', 'Value'],
          [
            ['aliases', version.aliases.join(', ')],
            ['status', version.status],
            ['source', version.source],
            ['run', version.runId ?? ''],
            ['logged model', version.modelId ?? ''],
            ['registered', `${formatTime(version.creationTimestamp)} by ${version.userId ?? 'unknown'}`],
            ['description', version.description ?? ''],
            ['git commit', lineage.git?.commit ?? ''],
            ['git branch', lineage.git?.branch ?? ''],
            ['git dirty', lineage.git?.dirty === undefined ? '' : String(lineage.git.dirty)],
            ['entry point', lineage.entryPoint ?? ''],
          ],
        )
        section(
          'Datasets',
          ['Name', 'Digest', 'Source'],
          lineage.datasets.map((d) => [d.dataset.name, d.dataset.digest, truncate(d.dataset.source, 60)]),
        )
        section(
          'Params',
          ['Key', 'Value'],
          lineage.params.map((p) => [p.key, p.value]),
        )
        section(
          'Metrics (at registration)',
          ['Key', 'Value'],
          lineage.metrics.map((m) => [m.key, formatNumber(m.value)]),
        )
        section(
          'Tags',
          ['Key', 'Value'],
          version.tags.map((t) => [t.key, truncate(t.value, 80)]),
        )
        return
      }
      const [model, versions] = await Promise.all([registry.getRegisteredModel(name), allVersions(flags, name)])
      if (flags.json) return printJson({ model, versions })
      process.stdout.write(`${pc.bold(model.name)}${model.description ? ` ${pc.dim(model.description)}` : ''}\n`)
      printTable(
        ['Field', 'Value'],
        [
          ['created', `${formatTime(model.creationTimestamp)}${model.userId ? ` by ${model.userId}` : ''}`],
          ['updated', formatTime(model.lastUpdatedTimestamp)],
          ['aliases', model.aliases.map((a) => `${a.alias}→v${a.version}`).join(', ')],
          ['tags', model.tags.map((t) => `${t.key}=${t.value}`).join(', ')],
        ],
      )
      section('Versions', VERSION_HEAD, versions.map(versionRow))
    })

  withClientOptions(models.command('versions'))
    .description("List a model's versions, newest first")
    .argument('<name>', 'registered model name')
    .action(async (name: string, flags: ClientFlags) => {
      const versions = await allVersions(flags, name)
      if (flags.json) return printJson(versions)
      printTable(VERSION_HEAD, versions.map(versionRow))
    })

  const alias = models
    .command('alias')
    .description('Point an alias (champion, challenger, …) at a version, or remove it; protect it and approve moves')
  withClientOptions(alias.command('set'))
    .description('Point ALIAS at VERSION (moving it from where it was)')
    .argument('<name>', 'registered model name')
    .argument('<alias>', 'alias, e.g. champion')
    .argument('<version>', 'version number')
    .option('-m, --comment <text>', 'why, for the audit trail')
    .action(async (name: string, aliasName: string, version: string, flags: ClientFlags & { comment?: string }) => {
      const registry = registryFor(flags)
      await registry.setRegisteredModelAlias(name, aliasName, version, {
        ...(flags.comment && { comment: flags.comment }),
      })
      const moved = await registry.getModelVersionByAlias(name, aliasName)
      if (flags.json) return printJson(moved)
      process.stdout.write(`${pc.green('✓')} ${name}@${aliasName} → v${moved.version}\n`)
    })
  withClientOptions(alias.command('delete'))
    .description('Remove ALIAS')
    .argument('<name>', 'registered model name')
    .argument('<alias>', 'alias')
    .option('-m, --comment <text>', 'why, for the audit trail')
    .action(async (name: string, aliasName: string, flags: ClientFlags & { comment?: string }) => {
      await registryFor(flags).deleteRegisteredModelAlias(name, aliasName, {
        ...(flags.comment && { comment: flags.comment }),
      })
      if (flags.json) return printJson({ name, alias: aliasName, deleted: true })
      process.stdout.write(`${pc.green('✓')} removed ${name}@${aliasName}\n`)
    })
  registerAliasProtectionCommands(alias)

  withClientOptions(models.command('transition'))
    .description('Move a version to a stage: None, Staging, Production or Archived')
    .argument('<name>', 'registered model name')
    .argument('<version>', 'version number')
    .argument('<stage>', 'None | Staging | Production | Archived')
    .option('--archive-existing', 'archive the versions now in that stage')
    .option('-m, --comment <text>', 'why, for the audit trail (e.g. "approved after A/B test #42")')
    .action(
      async (
        name: string,
        version: string,
        target: string,
        flags: ClientFlags & { archiveExisting?: boolean; comment?: string },
      ) => {
        const moved = await registryFor(flags).transitionModelVersionStage(name, version, target, {
          archiveExistingVersions: flags.archiveExisting === true,
          ...(flags.comment && { comment: flags.comment }),
        })
        if (flags.json) return printJson(moved)
        process.stdout.write(`${pc.green('✓')} ${name} v${moved.version} is now ${stage(moved.currentStage)}\n`)
      },
    )

  withClientOptions(models.command('history'))
    .description('The audit trail: who registered, moved or removed what, when and why (newest first)')
    .argument('[name]', 'registered model name (default: every model)')
    .option('-v, --version <n>', 'one version only')
    .option('-n, --max-results <n>', 'how many events', int, 100)
    .action(async (name: string | undefined, flags: ClientFlags & { version?: string; maxResults: number }) => {
      const page = await registryFor(flags).searchRegistryEvents({
        ...(name !== undefined && { name }),
        ...(flags.version !== undefined && { version: flags.version }),
        maxResults: flags.maxResults,
      })
      if (flags.json) return printJson(page.items)
      printTable(['When', 'Who', 'What', 'Model', 'Version', 'Change', 'Comment'], page.items.map(eventRow))
      if (page.nextPageToken) process.stdout.write(pc.dim('older events exist; raise --max-results to see them\n'))
    })

  withClientOptions(models.command('register'))
    .description('Register a model (runs:/<run>/model, models:/<model_id>, mlflow-artifacts:/…) as a new version')
    .argument('<source>', 'model URI')
    .requiredOption('--name <name>', 'registered model (created if absent)')
    .option('-d, --description <text>', 'version description')
    .option('--run-id <id>', 'the run the files belong to (taken from a runs:/ source)')
    .option('--model-id <id>', 'the logged model the files belong to (taken from a models:/ source)')
    .action(
      async (
        source: string,
        flags: ClientFlags & { name: string; description?: string; runId?: string; modelId?: string },
      ) => {
        const registry = registryFor(flags)
        try {
          await registry.createRegisteredModel(flags.name)
        } catch (error) {
          if ((error as { code?: string }).code !== 'RESOURCE_ALREADY_EXISTS') throw error
        }
        const runId = flags.runId ?? /^runs:\/([^/]+)/.exec(source)?.[1]
        const modelId = flags.modelId ?? /^models:\/(m-[^/@]+)$/.exec(source)?.[1]
        const version = await registry.createModelVersion(flags.name, source, {
          ...(flags.description && { description: flags.description }),
          ...(runId && { runId }),
          ...(modelId && { modelId }),
        })
        if (flags.json) return printJson(version)
        process.stdout.write(`${pc.green('✓')} registered ${flags.name} v${version.version} from ${source}\n`)
      },
    )
}

const VERSION_HEAD = ['Version', 'Stage', 'Aliases', 'Status', 'Run', 'Registered', 'By', 'Description']

function versionRow(v: ModelVersion): string[] {
  return [
    `v${v.version}`,
    stage(v.currentStage),
    v.aliases.join(' '),
    v.status,
    v.runId ?? '',
    formatTime(v.creationTimestamp),
    v.userId ?? '',
    truncate(v.description ?? '', 40),
  ]
}

const KIND_LABELS: Record<RegistryEvent['kind'], string> = {
  registered_model_created: 'model created',
  registered_model_renamed: 'model renamed',
  registered_model_deleted: 'model deleted',
  model_version_created: 'version registered',
  model_version_deleted: 'version deleted',
  stage_transition: 'stage',
  alias_set: 'alias set',
  alias_deleted: 'alias removed',
  alias_protected: 'alias protected',
  alias_unprotected: 'alias unprotected',
  alias_change_requested: 'change requested',
  alias_change_approved: 'change approved',
  alias_change_rejected: 'change rejected',
  alias_change_cancelled: 'request withdrawn',
}

function eventRow(e: RegistryEvent): string[] {
  const what = e.alias ? `${KIND_LABELS[e.kind]} @${e.alias}` : KIND_LABELS[e.kind]
  const change = e.from === undefined && e.to === undefined ? '' : `${e.from ?? '∅'} → ${e.to ?? '∅'}`
  const comment = e.requestId !== undefined ? `#${e.requestId}${e.comment ? ` ${e.comment}` : ''}` : (e.comment ?? '')
  return [formatTime(e.timestamp), e.actor, what, e.name, e.version ? `v${e.version}` : '', change, comment]
}

async function allVersions(flags: ClientFlags, name: string): Promise<ModelVersion[]> {
  const registry = registryFor(flags)
  const out: ModelVersion[] = []
  let pageToken: string | undefined
  do {
    const page = await registry.searchModelVersions({
      filter: `name = '${name.replace(/'/g, "\\'")}'`,
      orderBy: ['version_number DESC'],
      ...(pageToken && { pageToken }),
    })
    out.push(...page.items)
    pageToken = page.nextPageToken
  } while (pageToken)
  return out
}

function latest(m: RegisteredModel): string {
  const newest = m.latestVersions.reduce((a, v) => Math.max(a, Number(v.version)), 0)
  return newest === 0 ? '' : `v${newest}`
}

function stage(s: string): string {
  if (s === 'Production') return pc.green(s)
  if (s === 'Staging') return pc.yellow(s)
  if (s === 'Archived') return pc.dim(s)
  return s
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}

function section(title: string, head: string[], rows: (string | number)[][]): void {
  process.stdout.write(`\n${pc.bold(title)}\n`)
  printTable(head, rows)
}
