import { Command } from 'commander'
import { VERSION } from '../version.js'
import { registerServerCommand } from './server-command.js'
import { registerExperimentCommands } from './experiments-command.js'
import { registerModelCommands } from './models-command.js'
import { registerPredictCommand } from './predict-command.js'
import { registerMonitorCommands } from './monitor-command.js'
import { registerRunCommands } from './runs-command.js'
import { registerUserCommands } from './users-command.js'
import { registerTokenCommands } from './tokens-command.js'
import { registerPermissionCommands } from './permissions-command.js'
import { registerAuditCommand } from './audit-command.js'
import { handleCliError } from './output.js'

const program = new Command()
  .name('keel')
  .description('keel: MLOps platform speaking MLflow\'s REST API')
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

program.parseAsync(process.argv).catch(handleCliError)
