/**
 * `keel models convert -m models:/NAME/VERSION --to onnx`: converts a registered scikit-learn,
 * XGBoost or LightGBM model to ONNX in its Python environment, checks the ONNX model's predictions
 * against the original's (the input example, and `--rows`), and registers it as a new version with
 * its lineage, so that keel serves it in Node, without Python (`convertModelToOnnx` in the SDK).
 */
import { basename } from 'node:path'
import {
  ConversionMismatchError,
  DEFAULT_TOLERANCE,
  type EnvManager,
  type OnnxConversion,
  type OnnxValueInfo,
  RegistryClient,
  TrackingClient,
  convertModelToOnnx,
} from '@keel/sdk'
import { type Command, InvalidArgumentError, Option } from 'commander'
import pc from 'picocolors'
import { type ClientFlags, withClientOptions } from './client-options.js'
import { printJson } from './output.js'
import { readPredictionInput } from './prediction-input.js'

interface ConvertFlags extends ClientFlags {
  modelUri: string
  to: 'onnx'
  name?: string
  rows?: string
  tolerance: number
  envManager: EnvManager
  dryRun?: boolean
  output?: string
}

const tolerance = (value: string): number => {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number >= 0')
  return n
}

const shape = (v: OnnxValueInfo): string => `${v.name} ${v.type}[${(v.shape ?? []).map((d) => d ?? 'N').join(', ')}]`

function report(result: OnnxConversion): string {
  const { source, check } = result
  const sources = check.sources.map((s) => `${s.rows} from ${s.source}`).join(', ')
  const numbers = check.compared.filter((c) => c !== 'labels')
  const agreed = [
    ...(check.compared.includes('labels') ? ['labels identical'] : []),
    ...(numbers.length > 0 ? [`${numbers.join(' and ')} within ${check.tolerance}`] : []),
  ].join(', ')
  const lines = [
    `${pc.green('✓')} Converted ${pc.bold(source.version ?? source.uri)} (${source.flavor} ${source.estimator}) to ONNX with ${result.converter.name} ${result.converter.version}`,
    `  inputs   ${result.inputs.map(shape).join(', ')} ${pc.dim(`(types from the ${result.inputsFrom})`)}`,
    `  outputs  ${result.outputs.map(shape).join(', ')}`,
    `  check    ${check.rows} row${check.rows === 1 ? '' : 's'} (${sources}): ${agreed}; max abs diff ${check.maxAbsDiff.toPrecision(3)}`,
  ]
  const registered = result.registered
  if (registered === undefined) {
    lines.push(pc.dim('  not registered (--dry-run)'))
  } else {
    lines.push(
      `${pc.green('✓')} Registered ${pc.bold(`${registered.name} v${registered.version}`)} ← ${source.version} ` +
        pc.dim(
          `(logged model ${registered.modelId}${registered.runId === undefined ? '' : `, run ${registered.runId}`})`,
        ),
      pc.dim(`  serve it in Node: keel models serve -m ${registered.uri}`),
    )
  }
  return `${lines.join('\n')}\n`
}

export function registerConvertCommand(models: Command): void {
  withClientOptions(models.command('convert'))
    .description(
      'Convert a registered scikit-learn, XGBoost or LightGBM model to ONNX (skl2onnx, onnxmltools), check that it predicts ' +
        "as the original on the model's input example and --rows, and register it as a new version (served without Python)",
    )
    .requiredOption('-m, --model-uri <uri>', 'the version to convert: models:/NAME/VERSION (or @ALIAS, /latest)')
    .addOption(new Option('--to <format>', 'the format to convert to').choices(['onnx']).makeOptionMandatory())
    .option('--name <name>', 'register the converted model under this name (default: the same registered model)')
    .option(
      '--rows <file>',
      'rows to check the conversion on: a .csv with a header, or .json (as keel predict --input)',
    )
    .option(
      '--tolerance <x>',
      'relative and absolute tolerance for numbers (regression values, probabilities): ONNX runs in float32',
      tolerance,
      DEFAULT_TOLERANCE,
    )
    .addOption(
      new Option(
        '--env-manager <manager>',
        "where the converter runs: local ($KEEL_PYTHON or python3, with mlflow and the converters installed) or an environment built from the model's requirements plus the converters (virtualenv, uv)",
      )
        .choices(['local', 'virtualenv', 'uv'])
        .default('local'),
    )
    .option('--dry-run', 'convert and check, but do not register')
    .option('-o, --output <dir>', 'also save the converted model in this folder (which must not exist)')
    .action(async (flags: ConvertFlags) => {
      const client = new TrackingClient(flags.trackingUri ? { trackingUri: flags.trackingUri } : {})
      const registry = new RegistryClient(client.http)
      const rows = flags.rows === undefined ? undefined : await readPredictionInput(flags.rows)
      const say = (prefix: string) => (line: string) => process.stderr.write(pc.dim(`${prefix}${line}\n`))
      try {
        const result = await convertModelToOnnx(flags.modelUri, {
          client,
          registry,
          ...(flags.name !== undefined && { name: flags.name }),
          ...(rows !== undefined && { rows, rowsSource: basename(flags.rows!) }),
          tolerance: flags.tolerance,
          python: { envManager: flags.envManager, onProgress: say('python env: ') },
          onProgress: say(''),
          register: flags.dryRun !== true,
          ...(flags.output !== undefined && { outputDir: flags.output }),
        })
        if (flags.json) return printJson(result)
        process.stdout.write(report(result))
      } catch (error) {
        if (flags.json && error instanceof ConversionMismatchError) printJson({ registered: false, check: error.check })
        throw error
      }
    })
}
