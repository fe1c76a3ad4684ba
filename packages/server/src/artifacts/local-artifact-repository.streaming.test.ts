import { createHash, type Hash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LocalArtifactRepository } from './local-artifact-repository.js'

const MiB = 1024 * 1024
const CHUNKS = 512
const MAX_RSS_GROWTH = 128 * MiB

/** 512 MiB in fresh 1 MiB chunks (a reused buffer would hide buffering), hashed as they are produced. */
async function* largeBody(hash: Hash): AsyncGenerator<Uint8Array> {
  for (let index = 0; index < CHUNKS; index++) {
    const chunk = Buffer.allocUnsafe(MiB).fill(index % 251)
    chunk.writeUInt32BE(index, 0)
    hash.update(chunk)
    yield chunk
  }
}

/** Samples resident memory every few milliseconds; `growth()` is the peak above the starting point. */
function watchMemory(): { stop: () => void; growth: () => number } {
  const baseline = process.memoryUsage().rss
  let peak = baseline
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 2)
  return {
    stop: () => clearInterval(timer),
    growth: () => peak - baseline,
  }
}

describe('LocalArtifactRepository streaming', () => {
  let sandbox: string

  beforeEach(async () => {
    sandbox = await mkdtemp(path.join(tmpdir(), 'keel-artifacts-stream-'))
  })

  afterEach(async () => {
    await rm(sandbox, { recursive: true, force: true })
  })

  it('puts and gets 512 MiB without holding it in memory', { timeout: 60_000 }, async () => {
    const repo = new LocalArtifactRepository(sandbox)
    const sent = createHash('sha256')
    const memory = watchMemory()
    try {
      expect(await repo.put('big/model.bin', largeBody(sent))).toEqual({ size: CHUNKS * MiB })

      const { stream, size } = await repo.get('big/model.bin')
      expect(size).toBe(CHUNKS * MiB)
      const received = createHash('sha256')
      let receivedBytes = 0
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        received.update(chunk)
        receivedBytes += chunk.byteLength
      }
      expect(receivedBytes).toBe(CHUNKS * MiB)
      expect(received.digest('hex')).toBe(sent.digest('hex'))
    } finally {
      memory.stop()
      await repo.delete('big/model.bin')
    }
    expect(memory.growth()).toBeLessThan(MAX_RSS_GROWTH)
    expect(await repo.list('big')).toEqual([])
  })
})
