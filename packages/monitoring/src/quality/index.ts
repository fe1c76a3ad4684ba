export * from './summary.js'
export * from './checks.js'
