export * from './column-drift.js'
export {
  isDictionaryColumn,
  columnLength,
  type DictionaryColumn,
  type DriftColumn,
  type DriftTable,
} from './columns.js'
export {
  closeDriftWorkers,
  datasetDriftAsync,
  sortFloat64ColumnsAsync,
  type DatasetDriftAsyncOptions,
} from './parallel.js'
export { sortNaNLast } from './sort-columns.js'
