#!/usr/bin/env node
// Writes docs/permissions.md from the server's permission table (packages/server/src/auth/
// permissions-doc.ts, built). Run after changing a route's permission: npm run docs:permissions
import { writeFileSync } from 'node:fs'
import { renderPermissionsDoc } from '../packages/server/dist/auth/permissions-doc.js'

const target = new URL('../docs/permissions.md', import.meta.url)
writeFileSync(target, renderPermissionsDoc())
process.stderr.write(`wrote ${target.pathname}\n`)
