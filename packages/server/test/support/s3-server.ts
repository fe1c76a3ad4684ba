/**
 * A throwaway S3: moto's server mode (`moto_server`, from the pinned venv: python/requirements.txt)
 * on 127.0.0.1 and a free port, with one bucket. The environment it returns is what keel (and
 * MLflow's client, and boto3) read: MLFLOW_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_REGION. One per test file; `close()` stops it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3'
import { createS3Client } from '../../src/artifacts/s3-client.js'
import { freePort } from './free-port.js'

export const MOTO_SERVER = fileURLToPath(new URL('../../../../.venv/bin/moto_server', import.meta.url))

export interface S3Server {
  readonly endpoint: string
  readonly bucket: string
  /** The variables a process needs to reach it (keel server, MLflow's client, boto3). */
  readonly env: Record<string, string>
  /** A client for the tests' own checks. */
  readonly client: S3Client
  close(): Promise<void>
}

/** Polls the endpoint until moto answers (or the process exits, or `ms` pass). */
async function waitUntilUp(child: ChildProcess, endpoint: string, output: () => string, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`moto_server exited (${child.exitCode ?? child.signalCode}) before answering:\n${output()}`)
    }
    const up = await fetch(`${endpoint}/moto-api/`)
      .then((r) => r.body?.cancel().then(() => true) ?? true)
      .catch(() => false)
    if (up) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${ms / 1000} s:\n${output()}`)
}

export async function startS3Server(bucket = 'keel-test'): Promise<S3Server> {
  if (!existsSync(MOTO_SERVER)) {
    throw new Error(
      `${MOTO_SERVER} is missing: run node scripts/python-env.mjs (moto[server] is in python/requirements.txt)`,
    )
  }
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  const child = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let printed = ''
  const keep = (chunk: Buffer) => {
    printed = (printed + chunk.toString()).slice(-20_000)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    try {
      process.kill(-child.pid!, 'SIGTERM')
    } catch {
      child.kill('SIGTERM')
    }
    await exited
  }
  try {
    await waitUntilUp(child, endpoint, () => printed, 30_000)
  } catch (error) {
    await stop()
    throw error
  }
  const env = {
    MLFLOW_S3_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
  }
  const client = createS3Client(
    { endpoint, region: env.AWS_REGION },
    { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } },
  )
  await client.send(new CreateBucketCommand({ Bucket: bucket }))
  return {
    endpoint,
    bucket,
    env,
    client,
    async close() {
      client.destroy()
      await stop()
    },
  }
}
