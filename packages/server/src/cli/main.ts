import { Command } from 'commander'
import { VERSION } from '../version.js'
import { registerServerCommand } from './server-command.js'
import { registerExperimentCommands } from './experiments-command.js'
import { registerModelCommands } from './models-command.js'
import { registerPredictCommand } from './predict-command.js'
import { registerMonitorCommands } from './monitor-command.js'
import { registerRunCommands } from './runs-command.js'
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

program.parseAsync(process.argv).catch(handleCliError)
