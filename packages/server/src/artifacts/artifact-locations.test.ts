import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ArtifactLocations, joinArtifactPath } from './artifact-locations.js'
import { LocalArtifactRepository } from './local-artifact-repository.js'

const proxied = new LocalArtifactRepository(mkdtempSync(join(tmpdir(), 'keel-loc-')))

describe('ArtifactLocations', () => {
  it('maps mlflow-artifacts URIs (with or without a host) into the proxied store', () => {
    const locations = new ArtifactLocations(proxied)
    expect(locations.resolve('mlflow-artifacts:/1/abc/artifacts')).toEqual({ repo: proxied, path: '1/abc/artifacts' })
    expect(locations.resolve('mlflow-artifacts://host:5000/1/abc/artifacts')).toEqual({
      repo: proxied,
      path: '1/abc/artifacts',
    })
  })

  it('serves local URIs only inside a configured root, whatever a client stored as a location', () => {
    const root = mkdtempSync(join(tmpdir(), 'keel-root-'))
    const locations = new ArtifactLocations(proxied, [root])
    const inside = locations.resolve(`file://${root}/1/abc/artifacts`)
    expect(inside.path).toBe('1/abc/artifacts')
    expect((inside.repo as LocalArtifactRepository).root).toBe(root)
    for (const uri of ['file:///etc', '/etc/passwd', `file://${root}-sibling/x`, `${root}/../etc`]) {
      expect(() => locations.resolve(uri), uri).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER_VALUE' }))
    }
    expect(() => new ArtifactLocations(proxied).resolve(`file://${root}/1`)).toThrow(/outside the artifact roots/)
  })

  it('refuses schemes it does not serve', () => {
    expect(() => new ArtifactLocations(proxied).resolve('s3://bucket/key')).toThrow(
      expect.objectContaining({
        code: 'INVALID_PARAMETER_VALUE',
        message: expect.stringMatching(/s3:\/\/bucket\/key' is not served by this server/),
      }),
    )
  })

  it('joins paths with one slash', () => {
    expect(joinArtifactPath('1/abc', 'model/MLmodel')).toBe('1/abc/model/MLmodel')
    expect(joinArtifactPath('1/abc/', '/x')).toBe('1/abc/x')
    expect(joinArtifactPath('', 'x')).toBe('x')
    expect(joinArtifactPath('base', undefined)).toBe('base')
  })
})
