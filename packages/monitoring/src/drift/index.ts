export * from './column-drift.js'
