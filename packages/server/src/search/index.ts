export type { BoolExpr, Comparator, Comparison, FilterEntity, FilterExpr, OrderByClause } from './filter-ast.js'
export { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, parseFilter } from './filter-parser.js'
export { parseOrderBy } from './order-by.js'
export {
  EXPERIMENT_SEARCH,
  LOGGED_MODEL_SEARCH,
  MODEL_VERSION_SEARCH,
  REGISTERED_MODEL_SEARCH,
  RUN_SEARCH,
  TRACE_SEARCH,
} from './search-grammar.js'
export type {
  EntityRule,
  FieldRule,
  KeyRule,
  ListedEntityRule,
  OpenEntityRule,
  OrderByRule,
  SearchGrammar,
  ValueType,
} from './search-grammar.js'
export { type Readable, readableIds, restrictFilter } from './restrict.js'
