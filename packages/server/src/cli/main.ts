import { Command } from 'commander'
import { VERSION } from '../version.js'
import { registerServerCommand } from './server-command.js'
import { registerExperimentCommands } from './experiments-command.js'
import { registerModelCommands } from './models-command.js'
import { registerPredictCommand } from './predict-command.js'
import { registerMonitorCommands } from './drift-command.js'
import { registerRunCommands } from './runs-command.js'
import { registerUserCommands } from './users-command.js'
import { registerTokenCommands } from './tokens-command.js'
import { registerPermissionCommands } from './permissions-command.js'
import { registerAuditCommand } from './audit-command.js'
import { registerJobCommands } from './jobs-command.js'
import { registerWorkerCommand } from './worker-command.js'
import { registerDbCommands } from './db-command.js'
import { handleCliError } from './output.js'

// Output piped into a reader that stops early (`keel models describe m | head`): stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

const program = new Command()
  .name('keel')
  .description("keel: MLOps platform speaking MLflow's REST API")
  .version(VERSION)
  .showHelpAfterError()

registerServerCommand(program)
registerExperimentCommands(program)
registerRunCommands(program)
registerModelCommands(program)
registerPredictCommand(program)
registerMonitorCommands(program)
registerUserCommands(program)
registerTokenCommands(program)
registerPermissionCommands(program)
registerAuditCommand(program)
registerJobCommands(program)
registerWorkerCommand(program)
registerDbCommands(program)

program.parseAsync(process.argv).catch(handleCliError)
