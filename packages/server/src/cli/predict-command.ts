/**
 * `keel predict -m MODEL_URI --input rows.csv|rows.json`: loads a model the way the SDK does
 * (registry aliases, versions, stages, runs, logged models, local folders) and prints its
 * predictions, checked against the model's signature.
 */
import type { EnvManager } from '@keel/sdk'
import { type Command, Option } from 'commander'
import pc from 'picocolors'
import { withClientOptions, type ClientFlags } from './client-options.js'
import { formatNumber, printJson, printTable } from './output.js'

interface PredictFlags extends ClientFlags {
  modelUri: string
  input: string
  proba?: boolean
  envManager: EnvManager
  python?: string
}

export function registerPredictCommand(program: Command): void {
  withClientOptions(program.command('predict'))
    .description(
      'Predict with a model: models:/NAME@ALIAS, models:/NAME/3, models:/NAME/latest, runs:/RUN/model or a folder',
    )
    .requiredOption('-m, --model-uri <uri>', 'the model to load')
    .requiredOption(
      '-i, --input <file>',
      'rows: a .csv with a header, or .json (rows, columns or an MLflow payload); - for stdin',
    )
    .option('--proba', 'also print class probabilities (classifiers)')
    .addOption(
      new Option(
        '--env-manager <manager>',
        "python_function models: the Python that runs them: local ($KEEL_PYTHON or python3, with mlflow) or an environment built from the model's requirements (virtualenv, uv)",
      )
        .choices(['local', 'virtualenv', 'uv'])
        .default('local'),
    )
    .option(
      '--python <interpreter>',
      'python_function models: the Python to run them with, or to build their environment from (default: $KEEL_PYTHON, else python3)',
    )
    .action(async (flags: PredictFlags) => {
      // Loaded when the command runs, not when the CLI starts.
      const [{ createKeel }, { readPredictionInput }] = await Promise.all([
        import('@keel/sdk'),
        import('./prediction-input.js'),
      ])
      const keel = createKeel(flags.trackingUri ? { trackingUri: flags.trackingUri } : {})
      const python = {
        envManager: flags.envManager,
        ...(flags.python !== undefined && { python: flags.python }),
        onProgress: (line: string) => process.stderr.write(pc.dim(`python env: ${line}\n`)),
      }
      const [model, rows] = await Promise.all([
        keel.loadModel(flags.modelUri, { python }),
        readPredictionInput(flags.input),
      ])
      try {
        const predictions = await model.predict(rows)
        const probabilities = flags.proba && model.predictProba ? await model.predictProba(rows) : undefined
        if (flags.json) {
          return printJson(probabilities ? { predictions, probabilities, classes: model.classes } : { predictions })
        }
        const classes = (model.classes ?? []).map(String)
        printTable(
          ['Row', 'Prediction', ...(probabilities ? classes.map((c) => `P(${c})`) : [])],
          predictions.map((p, i) => [
            i,
            typeof p === 'number' ? formatNumber(p) : typeof p === 'string' ? p : JSON.stringify(p),
            ...(probabilities?.[i] ?? []).map((x) => x.toFixed(4)),
          ]),
        )
        process.stdout.write(pc.dim(`${predictions.length} rows · ${model.flavor} flavor · ${flags.modelUri}\n`))
      } finally {
        await model.close()
      }
    })
}
