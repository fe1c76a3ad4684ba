/**
 * A large artifact through the artifact proxy (issue 15: "A 1 GB artifact through the proxy to local
 * disk and to S3: time and the server's peak memory, against MLflow"). For each server and store:
 * the stock MLflow Python client (bench/python/artifact_client.py, the same client for both servers)
 * logs one file to a fresh run and downloads it again, a few rounds; the benchmark reads the wall
 * time of each call and samples the resident memory of the server's whole process group (bench/lib/
 * proc.ts) during each.
 *
 * Servers as a user starts them, each with a fresh SQLite store:
 *   keel server   --artifacts-destination <dir> | s3://bench/keel
 *   mlflow server --artifacts-destination <dir> | s3://bench/mlflow   (its defaults: 4 uvicorn workers)
 * S3 is moto's server mode (the venv's moto_server, started here), reached through
 * MLFLOW_S3_ENDPOINT_URL by both servers and by the client.
 *
 *   KEEL_BENCH_ARTIFACT_MB   file size in MiB (default 1024)
 *   KEEL_BENCH_ARTIFACT_ROUNDS  rounds per server and store (default 3)
 *   --only keel|mlflow       one server only
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchLog, machine, runBench, stopServersOnSignals, writeResults } from './lib/harness.js'
import { groupMemory } from './lib/proc.js'
import { venvPython } from './lib/python.js'
import {
  keelServerListening,
  REPO_ROOT,
  type ServerHandle,
  startServer,
  stopAll,
  uvicornListening,
} from './lib/servers.js'
import { median, round } from './lib/stats.js'
import { fmt, fmtRatio, renderTable, type Cell } from './lib/table.js'

const log = benchLog('artifacts')
const MiB = 1024 * 1024
const SIZE_MB = Number(process.env.KEEL_BENCH_ARTIFACT_MB ?? 1024)
const ROUNDS = Number(process.env.KEEL_BENCH_ARTIFACT_ROUNDS ?? 3)
const onlyArg = process.argv.indexOf('--only')
const ONLY = onlyArg >= 0 ? process.argv[onlyArg + 1] : undefined
const S3_ENV = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: 'us-east-1' }

interface ClientRound {
  upload_ms: number
  download_ms: number
  upload_window: [number, number]
  download_window: [number, number]
}

interface Measured {
  server: 'keel' | 'mlflow'
  store: 'local' | 's3'
  version: string
  command: readonly string[]
  idleRssMb: number
  /** How MLflow's client moved the bytes: through the server, or (advertised multipart, >= 500 MB) straight to S3. */
  path: string
  rounds: Array<ClientRound & { uploadPeakRssMb: number; downloadPeakRssMb: number }>
}

/** Writes `mb` MiB of incompressible bytes (a model's weights compress no better). */
async function writeFile(path: string, mb: number): Promise<void> {
  const out = createWriteStream(path)
  for (let i = 0; i < mb; i++) {
    if (!out.write(randomBytes(MiB))) await new Promise<void>((r) => out.once('drain', () => r()))
  }
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject)
    out.end(() => resolve())
  })
}

/** Samples the group's RSS every 50 ms until stopped: [epoch ms, MB] pairs. */
function sampleRss(pgid: number): { stop(): Array<[number, number]> } {
  const samples: Array<[number, number]> = []
  const take = () => samples.push([Date.now(), groupMemory(pgid).rssMb])
  take()
  const timer = setInterval(take, 50)
  return {
    stop() {
      clearInterval(timer)
      take()
      return samples
    },
  }
}

function peakIn(samples: Array<[number, number]>, [from, to]: [number, number]): number {
  let peak = 0
  for (const [t, mb] of samples) if (t >= from - 50 && t <= to + 50) peak = Math.max(peak, mb)
  return peak
}

interface ClientResult {
  rounds: ClientRound[]
  multipart_uploads_enabled: boolean
  multipart_downloads_enabled: boolean
}

function runClient(python: string, args: string[], env: NodeJS.ProcessEnv): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(REPO_ROOT, 'bench/python/artifact_client.py'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d).slice(-8000)))
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`artifact_client.py exited ${code}:\n${stderr}`))
      resolve(JSON.parse(stdout) as ClientResult)
    })
  })
}

async function startMoto(python: string): Promise<ServerHandle> {
  return startServer({
    name: 'moto',
    exe: join(python, '..', 'moto_server'),
    args: (_dir, port) => ['-H', '127.0.0.1', '-p', String(port)],
    choosePort: true,
    listening: (text) => /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1],
    readyPath: '/moto-api/data.json',
    readyTimeoutMs: 60_000,
  })
}

function startTarget(
  python: string,
  server: 'keel' | 'mlflow',
  store: 'local' | 's3',
  s3Env: NodeJS.ProcessEnv,
): Promise<ServerHandle> {
  const destination = (dir: string) => (store === 's3' ? `s3://bench/${server}` : join(dir, 'artifacts'))
  if (server === 'keel') {
    return startServer({
      name: 'keel',
      exe: process.execPath,
      args: (dir) => [
        join(REPO_ROOT, 'packages/server/bin/keel.js'),
        'server',
        ...['--host', '127.0.0.1', '--port', '0'],
        ...['--backend-store-uri', `sqlite:///${join(dir, 'keel.db')}`],
        ...['--artifacts-destination', destination(dir)],
        // The largest artifact keel accepts by default is 5 GiB; the disk check stays on.
      ],
      env: s3Env,
      listening: keelServerListening,
      readyTimeoutMs: 30_000,
    })
  }
  return startServer({
    name: 'mlflow',
    exe: join(python, '..', 'mlflow'),
    args: (dir) => [
      'server',
      ...['--host', '127.0.0.1', '--port', '0'],
      ...['--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`],
      ...['--artifacts-destination', destination(dir)],
    ],
    env: s3Env,
    listening: uvicornListening,
    readyTimeoutMs: 120_000,
  })
}

async function main(): Promise<void> {
  stopServersOnSignals(log)
  const python = venvPython()
  const work = mkdtempSync(join(tmpdir(), 'keel-bench-artifacts-'))
  const file = join(work, 'model.bin')
  log(`writing a ${SIZE_MB} MiB file`)
  await writeFile(file, SIZE_MB)
  const moto = await startMoto(python)
  const s3Env = { ...S3_ENV, MLFLOW_S3_ENDPOINT_URL: moto.url }
  // The bucket exists before the servers start (keel checks it then).
  const made = spawnSync(
    python,
    ['-c', `import boto3; boto3.client('s3', endpoint_url='${moto.url}').create_bucket(Bucket='bench')`],
    { env: { ...process.env, ...s3Env }, encoding: 'utf8' },
  )
  if (made.status !== 0) throw new Error(`could not create the bucket: ${made.stderr}`)
  const results: Measured[] = []
  try {
    for (const store of ['local', 's3'] as const) {
      for (const server of ['keel', 'mlflow'] as const) {
        if (ONLY !== undefined && ONLY !== server) continue
        log(`${server} on ${store}: ${ROUNDS} rounds of ${SIZE_MB} MiB up and down`)
        const target = await startTarget(python, server, store, s3Env)
        try {
          const idleRssMb = groupMemory(target.pid).rssMb
          const sampler = sampleRss(target.pid)
          const args = [target.url, file, String(ROUNDS)]
          const client = await runClient(python, args, s3Env)
          const samples = sampler.stop()
          results.push({
            server,
            store,
            version: target.version,
            command: target.command,
            idleRssMb,
            path:
              client.multipart_uploads_enabled && SIZE_MB * MiB >= 500 * 1024 * 1024
                ? 'client <-> S3 direct (multipart, presigned)'
                : 'through the server',
            rounds: client.rounds.map((r) => ({
              ...r,
              uploadPeakRssMb: peakIn(samples, r.upload_window),
              downloadPeakRssMb: peakIn(samples, r.download_window),
            })),
          })
        } finally {
          await target.stop()
        }
      }
    }
  } finally {
    await stopAll()
    rmSync(work, { recursive: true, force: true })
  }
  report(results)
}

const spread = (xs: number[], digits = 1): string =>
  `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`

function report(results: Measured[]): void {
  const rows: Cell[][] = []
  for (const m of results) {
    const up = m.rounds.map((r) => r.upload_ms / 1000)
    const down = m.rounds.map((r) => r.download_ms / 1000)
    rows.push([
      m.server,
      m.store,
      spread(up),
      fmt(SIZE_MB / median(up), 0),
      spread(
        m.rounds.map((r) => r.uploadPeakRssMb),
        0,
      ),
      spread(down),
      fmt(SIZE_MB / median(down), 0),
      spread(
        m.rounds.map((r) => r.downloadPeakRssMb),
        0,
      ),
      fmt(m.idleRssMb, 0),
      m.path,
    ])
  }
  const ratioRows: Cell[][] = []
  for (const store of ['local', 's3'] as const) {
    const k = results.find((m) => m.server === 'keel' && m.store === store)
    const f = results.find((m) => m.server === 'mlflow' && m.store === store)
    if (!k || !f) continue
    const med = (m: Measured, key: 'upload_ms' | 'download_ms') => median(m.rounds.map((r) => r[key]))
    const peak = (m: Measured, key: 'uploadPeakRssMb' | 'downloadPeakRssMb') => median(m.rounds.map((r) => r[key]))
    ratioRows.push([
      store,
      fmtRatio(med(f, 'upload_ms') / med(k, 'upload_ms')),
      fmtRatio(med(f, 'download_ms') / med(k, 'download_ms')),
      fmtRatio(peak(f, 'uploadPeakRssMb') / peak(k, 'uploadPeakRssMb')),
      fmtRatio(peak(f, 'downloadPeakRssMb') / peak(k, 'downloadPeakRssMb')),
    ])
  }
  console.log(
    `\nA ${SIZE_MB} MiB artifact through the proxy, MLflow's Python client for both servers; median of ${ROUNDS} rounds (min–max); ` +
      `peak RSS of the server's process group while each call ran; load avg ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}\n`,
  )
  console.log(
    renderTable(
      [
        'server',
        'store',
        'upload s',
        'MiB/s',
        'peak RSS MB',
        'download s',
        'MiB/s',
        'peak RSS MB',
        'idle RSS MB',
        'bytes',
      ],
      rows,
    ),
  )
  if (ratioRows.length > 0) {
    console.log(
      `\n${renderTable(['store', 'upload (mlflow/keel time)', 'download', 'upload peak RSS (mlflow/keel)', 'download peak RSS'], ratioRows)}`,
    )
  }
  const out = {
    sizeMiB: SIZE_MB,
    rounds: ROUNDS,
    machine: machine(),
    results: results.map((m) => ({
      ...m,
      rounds: m.rounds.map((r) => ({
        upload_ms: round(r.upload_ms, 1),
        download_ms: round(r.download_ms, 1),
        uploadPeakRssMb: round(r.uploadPeakRssMb, 1),
        downloadPeakRssMb: round(r.downloadPeakRssMb, 1),
      })),
    })),
  }
  console.log(`results: ${writeResults('artifacts', out)}`)
}

runBench('artifacts', main)
