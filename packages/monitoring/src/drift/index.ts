export * from './column-drift.js'
export {
  isDictionaryColumn,
  columnLength,
  type DictionaryColumn,
  type DriftColumn,
  type DriftTable,
} from './columns.js'
export { closeDriftWorkers, datasetDriftAsync, type DatasetDriftAsyncOptions } from './parallel.js'
