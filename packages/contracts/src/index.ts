export * from './errors.js'
export * from './entities.js'
export * from './limits.js'
export * from './wire/index.js'
