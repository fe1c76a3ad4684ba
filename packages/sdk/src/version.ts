import { createRequire } from 'node:module'

/** The SDK's version, read from its package.json (sent in `User-Agent: keel-sdk/<version>`). */
export const SDK_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version
