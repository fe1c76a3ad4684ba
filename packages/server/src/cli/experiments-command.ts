import type { Experiment, ViewType } from '@keel/contracts'
import { type Command, Option } from 'commander'
import pc from 'picocolors'
import { clientFor, withClientOptions, type ClientFlags } from './client-options.js'
import { formatTime, printJson, printTable } from './output.js'

interface ListFlags extends ClientFlags {
  filter?: string
  orderBy?: string[]
  view: ViewType
  maxResults: number
}

const viewOption = () =>
  new Option('--view <type>', 'which experiments')
    .choices(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'])
    .default('ACTIVE_ONLY')

export function registerExperimentCommands(program: Command): void {
  const experiments = program.command('experiments').description('List, create and delete experiments')

  withClientOptions(experiments.command('list'))
    .description('List experiments (filter and order as in the REST API)')
    .option('-f, --filter <filter>', 'e.g. "name LIKE \'iris%\'"')
    .option('-o, --order-by <clause...>', "e.g. 'creation_time DESC'")
    .option('-n, --max-results <n>', 'how many to show', (v) => Number(v), 100)
    .addOption(viewOption())
    .action(async (flags: ListFlags) => {
      const client = clientFor(flags)
      const found: Experiment[] = []
      let pageToken: string | undefined
      do {
        const page = await client.searchExperiments({
          ...(flags.filter ? { filter: flags.filter } : {}),
          ...(flags.orderBy ? { orderBy: flags.orderBy } : {}),
          viewType: flags.view,
          maxResults: Math.min(flags.maxResults - found.length, 1000),
          ...(pageToken ? { pageToken } : {}),
        })
        found.push(...page.items)
        pageToken = page.nextPageToken
      } while (pageToken && found.length < flags.maxResults)
      if (flags.json) return printJson(found)
      printTable(
        ['ID', 'Name', 'Stage', 'Created', 'Artifact location'],
        found.map((e) => [e.experimentId, e.name, e.lifecycleStage, formatTime(e.creationTime), e.artifactLocation]),
      )
    })

  withClientOptions(experiments.command('create'))
    .description('Create an experiment')
    .argument('<name>', 'experiment name')
    .option('--artifact-location <uri>', 'where its artifacts go (default: the server decides)')
    .action(async (name: string, flags: ClientFlags & { artifactLocation?: string }) => {
      const id = await clientFor(flags).createExperiment(
        name,
        flags.artifactLocation ? { artifactLocation: flags.artifactLocation } : {},
      )
      if (flags.json) return printJson({ experiment_id: id, name })
      process.stdout.write(`${pc.green('created')} experiment ${pc.bold(name)} with id ${id}\n`)
    })

  withClientOptions(experiments.command('delete'))
    .description('Delete an experiment (and its runs); restore with `keel experiments restore`')
    .argument('<id>', 'experiment id')
    .action(async (id: string, flags: ClientFlags) => {
      await clientFor(flags).deleteExperiment(id)
      if (flags.json) return printJson({ experiment_id: id, lifecycle_stage: 'deleted' })
      process.stdout.write(`${pc.yellow('deleted')} experiment ${id}\n`)
    })

  withClientOptions(experiments.command('restore'))
    .description('Restore a deleted experiment and the runs deleted with it')
    .argument('<id>', 'experiment id')
    .action(async (id: string, flags: ClientFlags) => {
      await clientFor(flags).restoreExperiment(id)
      if (flags.json) return printJson({ experiment_id: id, lifecycle_stage: 'active' })
      process.stdout.write(`${pc.green('restored')} experiment ${id}\n`)
    })
}
