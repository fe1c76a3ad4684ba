import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { renderPermissionsDoc } from './permissions-doc.js'
import { ROUTE_PERMISSIONS } from './route-permissions.js'

describe('docs/permissions.md', () => {
  it('is the rendering of the permission table the server enforces (npm run docs:permissions)', () => {
    const committed = readFileSync(new URL('../../../../docs/permissions.md', import.meta.url), 'utf8')
    expect(committed).toBe(renderPermissionsDoc())
  })

  it('lists every route of the table, each with what it needs', () => {
    const page = renderPermissionsDoc()
    for (const [endpoint, requirement] of ROUTE_PERMISSIONS) {
      expect(page).toContain(
        `| ${endpoint.method} | \`/api/${endpoint.major}.0${endpoint.path}\` | ${requirement.describe.replaceAll('|', '\\|')} |`,
      )
    }
    expect(page).not.toContain('no row')
  })

  it('audits no read: no GET route is marked a write', () => {
    const getWrites = ROUTE_PERMISSIONS.filter(
      ([endpoint, requirement]) => endpoint.method === 'GET' && requirement.write,
    ).map(([e]) => e.path)
    expect(getWrites).toEqual([])
  })
})
