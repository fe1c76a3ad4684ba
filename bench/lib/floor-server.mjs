// The floor of bench/serving.bench.ts: an empty node:http handler under the same load as the model
// servers. It reads each request's body (as any server must) and answers a fixed small JSON body,
// the size of a one-row prediction. Prints its URL once it listens. `node floor-server.mjs [port]`
import { createServer } from 'node:http'

const BODY = '{"predictions": [0]}'
const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  req.on('data', () => {})
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length })
    res.end(BODY)
  })
})
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`floor listening on http://127.0.0.1:${server.address().port}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
