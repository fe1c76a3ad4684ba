/**
 * The model server against hostile input, on a real `keel models serve` process (its tracking
 * server in-process, on a socket for it to reach): numbers JSON cannot carry as finite doubles,
 * request ids that must not reach a header, tensors whose data do not match their shape or the
 * model's signature, JSON nested beyond reason, and clients that go away mid-body. Each gets a 4xx
 * naming its problem (or is answered safely), never a 5xx, and the server keeps serving.
 */
import { connect } from 'node:net'
import { RandomForestClassifier, loadIris } from '@keel/ml'
import { createKeel } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'
import { type ModelServerProcess, type Reply, send, startModelServe } from './support/model-server.js'

const iris = loadIris()
const columns = iris.featureNames
const rows = iris.data.map((r) => [...r])
let tracking: InProcessKeel
let serving: ModelServerProcess

const json = (value: unknown) => JSON.stringify(value)
const invocations = (body: string, contentType = 'application/json') =>
  send(`${serving.url}/invocations`, 'POST', body, { 'content-type': contentType })
const infer = (body: unknown) =>
  send(`${serving.url}/v2/models/iris-hard/infer`, 'POST', typeof body === 'string' ? body : json(body))
const perColumn = (data: number[][]) =>
  columns.map((name, j) => ({ name, shape: [data.length], datatype: 'FP64', data: data.map((r) => r[j]) }))
/** A JSON text with `literal` (a number JSON.parse turns into ±Infinity) in place of the value 0.5. */
const withLiteral = (value: unknown, literal: string) => json(value).replace('0.5', literal)

const expectRefused = (reply: Reply, message: RegExp, status = 400) => {
  expect(reply.status, reply.text).toBe(status)
  const body = reply.json()
  expect(body.error ?? body.message).toMatch(message)
}

beforeAll(async () => {
  tracking = await startKeelApp({ listen: true })
  const keel = createKeel({ trackingUri: tracking.url })
  await keel.setExperiment('serving-hardening')
  const forest = new RandomForestClassifier({ nEstimators: 5, maxDepth: 3, seed: 5 }).fit(iris.data, iris.target)
  const runId = await keel.withRun({}, async (run) => {
    await run.logModel(forest, { featureNames: columns })
    return run.runId
  })
  await keel.registerModel(`runs:/${runId}/model`, 'iris-hard')
  serving = await startModelServe(['-m', 'models:/iris-hard/1', '-w', '1'], tracking.url)
})
afterAll(async () => {
  await serving?.stop()
  await tracking?.close()
})

describe('numbers a double cannot hold', () => {
  it('refuses 1e400 and -1e400 in an Open Inference tensor with a 400 naming the input and position', async () => {
    const inputs = perColumn(rows.slice(0, 2))
    inputs[2] = { ...inputs[2]!, data: [1, 0.5] }
    expectRefused(
      await infer(withLiteral({ inputs }, '1e400')),
      /Input 'petal length \(cm\)': data\[1\] is not a finite number/,
    )
    expectRefused(
      await infer(withLiteral({ inputs }, '-1e400')),
      /Input 'petal length \(cm\)': data\[1\] is not a finite number/,
    )
    const nested = {
      inputs: [
        {
          name: 'x',
          shape: [2, 4],
          datatype: 'FP64',
          data: [
            [1, 2, 3, 4],
            [5, 6, 0.5, 8],
          ],
        },
      ],
    }
    expectRefused(await infer(withLiteral(nested, '1e999')), /Input 'x': data\[1\]\[2\] is not a finite number/)
  })

  it('refuses values beyond the range of FP32 and FP16', async () => {
    const fp32 = { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 1e39] }] }
    expectRefused(await infer(fp32), /Input 'x': data\[3\] is 1e\+39, out of the range of FP32/)
    const fp16 = { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP16', data: [1, 70000, 3, 4] }] }
    expectRefused(await infer(fp16), /Input 'x': data\[1\] is 70000, out of the range of FP16/)
  })

  it('refuses 1e400 in every MLflow scoring shape and in CSV, naming the row and column', async () => {
    const row = [5.1, 3.5, 0.5, 0.2]
    const record = Object.fromEntries(columns.map((c, j) => [c, row[j]]))
    const bodies: [string, RegExp][] = [
      [withLiteral({ dataframe_split: { columns, data: [row] } }, '1e400'), /row 0, column 'petal length \(cm\)'/],
      [withLiteral({ dataframe_records: [record] }, '1e400'), /row 0, column 'petal length \(cm\)'/],
      [withLiteral({ instances: [row] }, '-1e400'), /row 0, value 2/],
      [
        withLiteral({ inputs: Object.fromEntries(columns.map((c, j) => [c, [row[j]]])) }, '1e400'),
        /row 0, column 'petal length \(cm\)'/,
      ],
    ]
    for (const [body, where] of bodies) {
      const reply = await invocations(body)
      expectRefused(reply, where)
      expect(reply.json().message).toMatch(/not a finite number/)
      expect(reply.json().error_code).toBe('BAD_REQUEST')
    }
    for (const cell of ['1e400', 'Infinity', '-inf']) {
      const csv = `${columns.join(',')}\n5.1,3.5,${cell},0.2\n`
      expectRefused(await invocations(csv, 'text/csv'), /row 0, column 'petal length \(cm\)'.*not a finite number/)
    }
    // NaN is a missing value in CSV, as pandas reads it: it reaches the model, and keel's forest
    // refuses it; that is a 400 naming the value (MLflow answers 400 when the model fails), not a 500.
    const missing = await invocations(`${columns.join(',')}\n5.1,3.5,NaN,0.2\n`, 'text/csv')
    expectRefused(
      missing,
      /cannot predict with the missing value \(null or NaN\) at row 0, column 'petal length \(cm\)'/,
    )
  })
})

describe('request ids', () => {
  it('echoes an id with CR/LF in the body but never puts it in a header', async () => {
    const id = 'evil\r\nSet-Cookie: session=stolen'
    const reply = await infer({ id, inputs: perColumn(rows.slice(0, 1)) })
    expect(reply.status, reply.text).toBe(200)
    expect(reply.json().id).toBe(id)
    expect(reply.headers['set-cookie']).toBeUndefined()
    expect(reply.headers['x-request-id']).toMatch(/^[\w\-=.]{1,128}$/)
  })

  it('does not copy a 100 KB id into X-Request-Id, and logs the request under the id it sends back', async () => {
    const id = 'x'.repeat(100_000)
    const reply = await infer({ id, inputs: perColumn(rows.slice(0, 1)) })
    expect(reply.status, reply.text).toBe(200)
    expect(reply.json().id).toBe(id)
    const header = reply.headers['x-request-id'] as string
    expect(header).toMatch(/^[\w\-=.]{1,128}$/)
    let found = 0
    for (let i = 0; i < 100 && found === 0; i++) {
      const res = await fetch(`${tracking.url}/api/2.0/keel/predictions/get?request_id=${header}`)
      if (res.status === 200) found = ((await res.json()) as { records: unknown[] }).records.length
      else await new Promise((r) => setTimeout(r, 100))
    }
    expect(found).toBe(1)
  })

  it('keeps a plain id, in the body and the header alike', async () => {
    const reply = await infer({ id: 'plain-id_1.2=3', inputs: perColumn(rows.slice(0, 1)) })
    expect(reply.json().id).toBe('plain-id_1.2=3')
    expect(reply.headers['x-request-id']).toBe('plain-id_1.2=3')
  })

  it('ignores an X-Request-Id header that is not short and plain', async () => {
    const reply = await send(`${serving.url}/invocations`, 'POST', json({ instances: [rows[0]] }), {
      'x-request-id': 'y'.repeat(129),
    })
    expect(reply.status).toBe(200)
    expect(reply.headers['x-request-id']).not.toBe('y'.repeat(129))
    expect(reply.headers['x-request-id']).toMatch(/^[\w\-=.]{1,128}$/)
  })
})

describe('tensors that do not match their shape or the signature', () => {
  const tensor = (shape: number[], data: unknown, datatype = 'FP64', name = 'x') => ({
    inputs: [{ name, shape, datatype, data }],
  })

  it('refuses data of the wrong length, ragged data and nesting that is not the shape', async () => {
    const cases: [unknown, RegExp][] = [
      [tensor([1, 2, 2], [1, 2, 3]), /shape \[1, 2, 2\] holds 4 values, but data has 3/],
      [
        tensor(
          [2, 4],
          [
            [1, 2, 3, 4],
            [5, 6],
          ],
        ),
        /Input 'x': data\[1\] has 2 values, but shape \[2, 4\] needs 4/,
      ],
      [
        tensor(
          [2, 4],
          [
            [1, 2],
            [3, 4],
            [5, 6],
            [7, 8],
          ],
        ),
        /Input 'x': data has 4 values, but shape \[2, 4\] needs 2/,
      ],
      [tensor([2, 4], [[1, 2, 3, 4], 5]), /Input 'x': data\[1\] is not an array/],
      [tensor([2, 4], [1, 2, 3, 4, 5, 6, 7, [8]]), /Input 'x': data\[7\] is an array/],
      [tensor([1, 4], [[[1], [2], [3], [4]]]), /Input 'x': data\[0\]\[0\] is an array/],
    ]
    for (const [body, message] of cases) expectRefused(await infer(body), message)
  })

  it('refuses a single tensor that is not [rows, 4]', async () => {
    expectRefused(
      await infer(tensor([1, 2, 2], [1, 2, 3, 4])),
      /Input 'x' must have shape \[rows, 4\].*got \[1, 2, 2\]/,
    )
    expectRefused(
      await infer(
        tensor(
          [1, 2, 2],
          [
            [
              [1, 2],
              [3, 4],
            ],
          ],
        ),
      ),
      /Input 'x' must have shape \[rows, 4\]/,
    )
    expectRefused(await infer(tensor([4], [1, 2, 3, 4])), /Input 'x' must have shape \[rows, 4\]/)
    expectRefused(await infer(tensor([2, 2], [1, 2, 3, 4])), /Input 'x' must have shape \[rows, 4\]/)
  })

  it('refuses a per-column tensor that is not [rows] or [rows, 1]', async () => {
    const inputs = perColumn(rows.slice(0, 2))
    inputs[1] = { ...inputs[1]!, shape: [1, 2] }
    expectRefused(
      await infer({ inputs }),
      /Input 'sepal width \(cm\)' must have shape \[rows\] or \[rows, 1\].*got \[1, 2\]/,
    )
    inputs[1] = { ...inputs[1]!, shape: [2, 1, 1], data: [[[1]], [[2]]] as never }
    expectRefused(await infer({ inputs }), /Input 'sepal width \(cm\)' must have shape \[rows\] or \[rows, 1\]/)
  })

  it('refuses datatypes the signature does not take', async () => {
    const inputs = perColumn(rows.slice(0, 1))
    const bytes = { inputs: inputs.map((t, j) => (j === 0 ? { ...t, datatype: 'BYTES', data: ['5.1'] } : t)) }
    expectRefused(
      await infer(bytes),
      /Input 'sepal length \(cm\)' is BYTES, but the signature's column 'sepal length \(cm\)' is double/,
    )
    expectRefused(
      await infer(tensor([1, 4], [true, false, true, false], 'BOOL')),
      /Input 'x' is BOOL, but the signature's column 'sepal length \(cm\)' is double/,
    )
  })

  it('accepts the shapes the protocol allows: flat or natural nesting, [rows] or [rows, 1] columns, integers for doubles', async () => {
    const two = rows.slice(0, 2)
    const ok = [
      tensor([2, 4], two.flat()),
      tensor([2, 4], two),
      { inputs: perColumn(two).map((t) => ({ ...t, shape: [2, 1], data: t.data.map((v) => [v]) })) },
      { inputs: perColumn(two).map((t) => ({ ...t, shape: [2, 1] })) },
      tensor(
        [2, 4],
        [
          [5, 3, 1, 0],
          [6, 3, 4, 1],
        ],
        'INT64',
      ),
    ]
    const first = (await infer(ok[0])).json().outputs
    for (const body of ok) {
      const reply = await infer(body)
      expect(reply.status, reply.text).toBe(200)
      if (body !== ok[4]) expect(reply.json().outputs).toEqual(first)
    }
  })
})

describe('over-deep JSON', () => {
  const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels)

  it('answers 400 on both protocols, wherever the nesting is', async () => {
    const bodies = [
      `{"instances": ${deep(50_000)}}`,
      `{"dataframe_records": [{"a": ${deep(50_000)}}]}`,
      `{"instances": [[1, 2, 3, 4]], "params": {"x": ${deep(50_000)}}}`,
    ]
    for (const body of bodies) expectRefused(await invocations(body), /nested more than \d+ levels deep/)
    const v2 = [
      `{"inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": ${deep(50_000)}}]}`,
      `{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP64", "data": [1, 2, 3, 4]}], "parameters": {"p": ${deep(50_000)}}}`,
      deep(50_000),
    ]
    for (const body of v2) expectRefused(await infer(body), /nested more than \d+ levels deep/)
    expect((await infer({ inputs: perColumn(rows.slice(0, 1)) })).status).toBe(200)
  })
})

describe('clients that go away', () => {
  it('does not log an aborted request as an error, nor count it as a 5xx', async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(serving.port, '127.0.0.1', () => {
          socket.write(
            `POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"instances": [`,
          )
          // Gone mid-body once the server has had the headers.
          setImmediate(() => socket.destroy())
          socket.once('close', () => resolve())
        })
        socket.once('error', reject)
      })
    }
    // The server is fine, and has seen the aborts by the time it answers the next requests.
    let text = ''
    for (let i = 0; i < 50; i++) {
      expect((await invocations(json({ instances: [rows[0]] }))).status).toBe(200)
      text = (await send(`${serving.url}/metrics`, 'GET')).text
      if (/code="499"[^\n]* 3\b/.test(text)) break
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(text).toMatch(/keel_serving_requests_total\{[^}]*protocol="mlflow",code="499"[^}]*\} 3/)
    expect(text).not.toMatch(/keel_serving_requests_total\{[^}]*code="5\d\d"[^}]*\} [1-9]/)
    expect(serving.output()).not.toMatch(/ERROR|aborted|ECONNRESET/)
  })
})
