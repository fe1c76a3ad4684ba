/** Model packaging and loading: MLflow's model directory layout, the keel and ONNX flavors, model URIs. */
export {
  COLUMN_TYPES,
  type ColumnSpec,
  type ColumnType,
  type CompositeColumnType,
  type ModelSignature,
  type ParamSpec,
  type Row,
  type Schema,
  type SchemaField,
  type SignatureDict,
  type TensorSpec,
  inferOutputSchema,
  inferSchema,
  inferSignature,
  isTensorSchema,
  isTensorSpec,
  parseSchema,
  schemaToJSON,
  signatureFromDict,
  signatureToDict,
} from './signature.js'
export {
  type FeatureBatch,
  type FeatureColumn,
  type InputConverter,
  type InputField,
  type ModelInput,
  compileInputSchema,
  toMatrix,
} from './enforce.js'
export {
  type FlavorConfig,
  type InputExampleInfo,
  MLMODEL_FILE,
  type MLmodel,
  mlmodelToDict,
  parseMLmodel,
  readMLmodel,
  serializeMLmodel,
  writeMLmodel,
} from './mlmodel.js'
export { ENVIRONMENT_FILE, type ModelEnvironment, currentEnvironment } from './environment.js'
export { KEEL_FLAVOR, type KeelFlavorConfig } from './flavors/keel.js'
export type {
  FlavorName,
  PredictionValue,
  PredictOptions,
  PythonModelOptions,
  PythonRuntime,
} from './flavors/flavor.js'
export {
  ENV_MANAGERS,
  type EnvManager,
  type PythonEnv,
  type PythonEnvOptions,
  pythonEnvFor,
} from './python/environment.js'
export { type WorkerEvent, type WorkerInfo, type WorkerPoolOptions, PythonWorkerPool } from './python/worker-pool.js'
export { type SaveModelOptions, saveModel } from './save-model.js'
export { type ParsedModelUri, type ResolvedModel, parseModelUri, resolveModelUri } from './model-uri.js'
export type { ModelRegistry, ModelVersionRef } from './registry.js'
export { type LoadContext, type LoadModelOptions, type LoadedModel, loadModelDir, loadModelWith } from './load-model.js'
export { type LogModelOptions, type ModelInfo, logModel } from './log-model.js'
export { type ConvertToOnnxOptions, type OnnxConversion, convertModelToOnnx } from './convert/onnx-convert.js'
export {
  type CheckedConversion,
  type ConvertAndCheckOptions,
  ConversionMismatchError,
  DEFAULT_TOLERANCE,
  conversionDescription,
  conversionTags,
  convertAndCheck,
} from './convert/convert-check.js'
export { type ConversionCheck, type RowDifference, describeDifferences } from './convert/compare.js'
export { CONVERTIBLE_FLAVORS, type ConvertibleFlavor, type OnnxValueInfo } from './convert/python-convert.js'
export { type LogDirectoryOptions, type LoggedDirectory, logModelDirectory } from './convert/log-directory.js'
