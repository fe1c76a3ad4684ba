// @keel/monitoring: the statistical core of keel's monitoring (Evidently's drift tests, checked
// against SciPy and Evidently).
export * from './stats/index.js'
export * from './drift/index.js'
export * from './quality/index.js'
export * from './report/index.js'
export * from './profile/index.js'
export * from './performance/index.js'
