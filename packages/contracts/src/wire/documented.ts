/**
 * What the OpenAPI document states about rules that keel's services check themselves, with
 * MLflow's own messages: names, key patterns, lengths, max_results ranges, search grammars, page
 * tokens. `.meta()` adds JSON Schema keywords to the document and leaves zod's validation as it
 * is, so the service stays the one that refuses, in MLflow's words; the document is on the safe
 * side of each rule (a request valid by it is accepted). packages/server/test/schemathesis.e2e.test.ts
 * holds the two together.
 *
 * Patterns are written for both ECMAScript and Python's `re` (schemathesis generates from them):
 * ASCII classes only, no `\p{…}`, no flags.
 */
import { z } from 'zod'
import { LIMITS } from '../limits.js'
import { int64, str } from './primitives.js'

type JsonSchema = Record<string, unknown>

/** No NUL anywhere (names and keys refuse it). */
export const NO_NUL = '^[^\\x00]*$'
/** Not blank (a character that JavaScript's trim keeps), and no NUL. */
const NOT_BLANK = '^[^\\x00]*[^\\s\\x00\\ufeff][^\\x00]*$'

/**
 * At most `max` characters as the services count them: JavaScript's length, in UTF-16 code units,
 * where a character beyond U+FFFF counts twice. JSON Schema's maxLength counts characters, so the
 * document states half of the limit, which every string it allows meets.
 */
export const maxUnits = (max: number) => ({ maxLength: Math.floor(max / 2) })

/** An int64 the service takes only within [minimum, maximum]: documented as a JSON integer in range. */
export const int64Within = (minimum: number, maximum: number) => int64.meta({ type: 'integer', minimum, maximum })
/** max_results of a search that allows up to `max`. */
export const maxResults = (max: number) => int64Within(1, max)
/** A non-negative int64 (timestamps, end times). */
export const nonNegativeInt64 = int64Within(0, Number.MAX_SAFE_INTEGER)

/** An id or reference the service refuses when empty. */
export const nonEmpty = str.meta({ minLength: 1 })

/** The format name of page tokens; the fuzzing hooks generate them (only the server can make one). */
export const PAGE_TOKEN_FORMAT = 'keel-page-token'
export const pageToken = str.meta({
  format: PAGE_TOKEN_FORMAT,
  description:
    'Opaque: the next_page_token of the previous page of the same query (absent or empty for the first page)',
})

/** A name: not blank, no NUL, at most `max` characters (see maxUnits); `extra` adds keywords. */
export const nameText = (max: number, extra: JsonSchema = {}) =>
  str.meta({ ...maxUnits(max), pattern: NOT_BLANK, ...extra })

/**
 * A metric, param or tag key as MLflow's validate_key takes it (this is its ASCII part): letters,
 * digits, `_ . - : space`, segments split by `/`, none empty, `.` or `..`.
 */
const KEY_SEGMENT = String.raw`(?!\.\.?(?:/|$))[A-Za-z0-9_.\- :]+`
export const entityKey = str.meta({
  minLength: 1,
  maxLength: LIMITS.entityKeyLength,
  pattern: `^${KEY_SEGMENT}(?:/${KEY_SEGMENT})*$`,
})

/** A list of key/value pairs with the given key and value schemas; keys are unique within a request. */
export const keyValues = (key: z.ZodString, value: z.ZodString = str) =>
  z.array(z.object({ key, value })).meta({ description: 'Each key at most once' })

/** Run and logged-model tags and params (values over MLflow's limits are truncated, not refused). */
export const entityKeyValues = keyValues(entityKey)
export const experimentTags = keyValues(entityKey, str.meta(maxUnits(LIMITS.experimentTagValueLength)))

/** A registered model's name (MLflow's _validate_model_name, plus no NUL). */
export const modelName = str.meta({ ...maxUnits(256), pattern: '^[^\\x00/:]*[^\\s\\x00/:\\ufeff][^\\x00/:]*$' })
/** A registry tag: key of word characters and `/ . - : space`, value up to 100,000 characters. */
export const registryTagKey = str.meta({
  minLength: 1,
  maxLength: LIMITS.registryTagKeyLength,
  pattern: '^[A-Za-z0-9_/.\\- :]+$',
})
export const registryTagValue = str.meta(maxUnits(LIMITS.registryTagValueLength))
export const registryTags = keyValues(registryTagKey, registryTagValue)
/** An alias: word characters and dashes; not `latest` nor `v<number>` (they name versions). */
export const aliasName = str.meta({
  minLength: 1,
  maxLength: LIMITS.aliasLength,
  pattern: '^(?![Ll][Aa][Tt][Ee][Ss][Tt]$)(?![Vv][0-9]+$)[A-Za-z0-9_-]+$',
})
/** A version number, as a string of digits or an integer. */
export const VERSION_NUMBER: JsonSchema = {
  anyOf: [
    { type: 'string', pattern: '^[0-9]{1,15}$' },
    { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  ],
}

/**
 * Relative artifact paths as the artifact store's path gate takes them (a plain part of it): a
 * folder is segments of letters, digits, `_` and `-` split by `/`; a file is a folder's path and a
 * name with an extension, so no path names both a file and a folder.
 */
const FOLDER_SEGMENT = '[A-Za-z0-9_-]{1,40}'
export const ARTIFACT_FOLDER = `^${FOLDER_SEGMENT}(?:/${FOLDER_SEGMENT}){0,7}$`
export const ARTIFACT_FILE = `^(?:${FOLDER_SEGMENT}/){0,7}${FOLDER_SEGMENT}\\.[a-z]{1,5}$`
/** Data a drift report or a monitor reads: a CSV, TSV or Parquet artifact of this server. */
export const DATA_URI = `^(?:mlflow-artifacts:/|runs:/[0-9a-f]{32}/)${FOLDER_SEGMENT}(?:/${FOLDER_SEGMENT}){0,3}\\.(?:csv|tsv|parquet)$`
/** A folder of artifacts to list ('' or absent: the root). */
export const artifactFolder = str.meta({ pattern: `^$|${ARTIFACT_FOLDER}` })

/** The drift tests by Evidently's names (@keel/monitoring's STAT_TESTS; a test checks they agree). */
export const DRIFT_TEST_NAMES = [
  'ks',
  'chisquare',
  'z',
  'wasserstein',
  'psi',
  'jensenshannon',
  'kl_div',
  'hellinger',
  'ed',
  'anderson',
  'cramer_von_mises',
  'mannw',
  't_test',
  'fisher_exact',
  'g_test',
  'TVD',
  'empirical_mmd',
]

// ---- search filters and order_by (a plain part of MLflow's grammar; search-grammar.ts has it all) ----

const LITERAL = "'[A-Za-z0-9_ %.-]{0,40}'"
const STRING_OP = '(?:=|!=|LIKE|ILIKE)'
const NUMBER_OP = '(?:=|!=|>|>=|<|<=)'
const KEY = '`[a-z][a-z0-9_]{0,19}`'

/** `<clause> [AND <clause>]…` over the given string and number attributes (and tags, where `tags`). */
function filterPattern(
  strings: readonly string[],
  numbers: readonly string[],
  options: { tags?: boolean; metrics?: boolean } = {},
): string {
  const clauses = [
    `(?:${strings.join('|')}) ${STRING_OP} ${LITERAL}`,
    ...(numbers.length > 0 ? [`(?:${numbers.join('|')}) ${NUMBER_OP} -?[0-9]{1,12}`] : []),
    ...(options.tags ? [`tags\\.${KEY} ${STRING_OP} ${LITERAL}`] : []),
    ...(options.metrics ? [`metrics\\.${KEY} ${NUMBER_OP} -?[0-9]{1,12}`] : []),
  ]
  const clause = `(?:${clauses.join('|')})`
  return `^(?:${clause}(?: AND ${clause}){0,3})?$`
}

const filter = (pattern: string) =>
  str.meta({
    pattern,
    maxLength: 1000,
    description: "A search filter in MLflow's syntax (the pattern shows a plain part of it)",
  })
/** One order_by clause: one of the attributes (or `metrics.<key>` where allowed), ASC or DESC. */
const orderBy = (attributes: readonly string[], options: { metrics?: boolean } = {}) =>
  z
    .array(
      str.meta({
        pattern: `^(?:${[...attributes, ...(options.metrics ? [`metrics\\.${KEY}`] : [])].join('|')})(?: (?:ASC|DESC))?$`,
      }),
    )
    .meta({
      description: 'Each field at most once',
    })

export const runSearchFilter = filter(
  filterPattern(
    ['attributes\\.run_name', 'attributes\\.status', 'attributes\\.user_id'],
    ['attributes\\.start_time', 'attributes\\.end_time'],
    { tags: true, metrics: true },
  ),
)
export const runSearchOrderBy = orderBy(
  ['attributes\\.start_time', 'attributes\\.end_time', 'attributes\\.run_name', 'attributes\\.status'],
  { metrics: true },
)
export const experimentSearchFilter = filter(
  filterPattern(['name'], ['creation_time', 'last_update_time'], { tags: true }),
)
export const experimentSearchOrderBy = orderBy(['name', 'experiment_id', 'creation_time', 'last_update_time'])
export const loggedModelSearchFilter = filter(
  filterPattern(['name', 'model_type', 'source_run_id'], ['creation_timestamp', 'last_updated_timestamp'], {
    metrics: true,
  }),
)
export const registeredModelSearchFilter = filter(filterPattern(['name'], [], { tags: true }))
export const registeredModelSearchOrderBy = orderBy(['name', 'creation_timestamp', 'last_updated_timestamp'])
export const modelVersionSearchFilter = filter(filterPattern(['name', 'run_id'], [], { tags: true }))
export const modelVersionSearchOrderBy = orderBy([
  'name',
  'version_number',
  'creation_timestamp',
  'last_updated_timestamp',
])
