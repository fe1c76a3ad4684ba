/**
 * docs/architecture.md as rules: `npm run lint:deps` (part of `npm test`) fails naming the rule a
 * change breaks. Declared and unused dependencies are scripts/check-deps.mjs's. Paths are the repository's; a package's imports of its siblings resolve to their
 * sources or builds under packages/<name>/.
 */
const SERVER = '^packages/server/src/'
// Test files live beside the code they test and may wire real stores into a domain's test.
const TESTS = '(\\.test\\.ts$|/test/)'
const DOMAINS =
  'tracking|registry|predictions|monitoring|serving|auth|artifacts|search|actions|webhooks|config|conversion'

/** A package may import only the packages the layering allows (and never itself by name). */
const layer = (name, from, allowed) => ({
  name,
  comment: `${from} may import only ${allowed.length ? allowed.join(', ') : 'no other keel package'} (docs/architecture.md)`,
  severity: 'error',
  from: { path: `^packages/${from}/src/`, pathNot: TESTS },
  to: {
    path: '^packages/(contracts|ml|monitoring|sdk|ui|server)/',
    pathNot: [`^packages/${from}/`, ...allowed.map((p) => `^packages/${p}/`)],
  },
})

module.exports = {
  forbidden: [
    layer('contracts-is-the-bottom', 'contracts', []),
    layer('ml-imports-no-keel-package', 'ml', []),
    layer('monitoring-imports-only-ml', 'monitoring', ['ml']),
    layer('sdk-imports-contracts-ml-monitoring', 'sdk', ['contracts', 'ml', 'monitoring']),
    layer('ui-imports-only-contracts', 'ui', ['contracts']),
    layer('server-imports-no-ui', 'server', ['contracts', 'ml', 'monitoring', 'sdk']),
    {
      name: 'contracts-imports-only-zod',
      comment: '@keel/contracts defines what travels and depends on zod alone',
      severity: 'error',
      from: { path: '^packages/contracts/src/', pathNot: TESTS },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'core'], pathNot: 'node_modules/zod/' },
    },
    {
      name: 'monitoring-and-sdk-load-no-native-module',
      comment:
        '@keel/monitoring and @keel/sdk run anywhere: no native module (onnxruntime-node only lazily, by import())',
      severity: 'error',
      from: { path: '^packages/(monitoring|sdk)/src/' },
      to: {
        path: 'node_modules/(better-sqlite3|@duckdb|onnxruntime-node)/',
        dynamic: false,
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'processes-start-in-known-places',
      comment:
        'a program is started only by the Python workers, environments and converters (sdk models/python/, models/convert/), the lineage probe of git (sdk lineage.ts) and the operator-configured alert actions (server actions/run-action.ts)',
      severity: 'error',
      from: {
        path: '^packages/(contracts|ml|monitoring|sdk|ui|server)/src/',
        pathNot: [
          TESTS,
          '^packages/sdk/src/models/(python|convert)/',
          '^packages/sdk/src/lineage\\.ts$',
          `${SERVER}actions/run-action\\.ts$`,
        ],
      },
      to: { path: '^(node:)?child_process$' },
    },
    {
      name: 'domains-never-import-sql-cli-or-composition',
      comment: 'a domain folder reaches persistence through its store interface; only composition/ wires sql/',
      severity: 'error',
      from: { path: `${SERVER}(${DOMAINS}|http|web-security|http-common|paging)/`, pathNot: TESTS },
      to: { path: `${SERVER}(sql|cli|composition)/` },
    },
    {
      name: 'only-routes-import-http',
      comment: 'within a domain only its *-routes.ts files (the edge) know HTTP',
      severity: 'error',
      from: { path: `${SERVER}(${DOMAINS})/`, pathNot: [TESTS, '-routes\\.ts$'] },
      to: { path: `${SERVER}http/` },
    },
    {
      name: 'serving-imports-no-other-domain',
      comment: 'the model server reaches keel only through @keel/sdk, so it runs on any machine',
      severity: 'error',
      from: { path: `${SERVER}serving/`, pathNot: TESTS },
      to: { path: SERVER, pathNot: `${SERVER}(serving|web-security|http-common|paging|version\\.ts)` },
    },
    {
      name: 'http-and-web-security-stay-edges',
      comment: 'auth/ and web-security/ never import http/ (auth-routes.ts is the auth domain’s edge)',
      severity: 'error',
      from: { path: `${SERVER}(auth|web-security|http-common)/`, pathNot: [TESTS, 'auth-routes\\.ts$'] },
      to: { path: `${SERVER}http/` },
    },
    {
      name: 'domain-arrows',
      comment: 'between domains the arrows are registry -> tracking -> artifacts (and search/ for all)',
      severity: 'error',
      from: { path: `${SERVER}(tracking|artifacts|search)/`, pathNot: TESTS },
      to: { path: `${SERVER}(registry|predictions|monitoring|auth|serving)/` },
    },
    {
      name: 'only-sql-imports-the-database-drivers',
      comment: 'kysely and the drivers (better-sqlite3, pg) stay in sql/ (and composition/ opens nothing itself)',
      severity: 'error',
      from: { path: SERVER, pathNot: [`${SERVER}sql/`, TESTS] },
      to: { path: 'node_modules/(kysely|better-sqlite3|pg|pg-[a-z-]+)/' },
    },
    {
      name: 'only-the-table-reader-imports-duckdb',
      comment: 'monitoring/table-reader*.ts is the one place that reads files with DuckDB',
      severity: 'error',
      from: { path: SERVER, pathNot: [`${SERVER}monitoring/table-reader`, TESTS] },
      to: { path: 'node_modules/@duckdb/' },
    },
    {
      name: 'no-cycles',
      comment: 'modules import each other in one direction only',
      severity: 'error',
      from: { path: '^packages/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-unresolvable-imports',
      comment: 'every import resolves',
      severity: 'error',
      from: { path: '^(packages|bench|scripts|examples)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Sibling packages resolve to their builds (packages/<name>/dist): seen, not cruised again.
    doNotFollow: { path: ['node_modules', '^packages/[^/]+/dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.test.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
