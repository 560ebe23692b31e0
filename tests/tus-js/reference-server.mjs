// The tus reference server (@tus/server with @tus/file-store) on a loopback port, for the ingest
// benchmark: `testigo bench ingest --tus-url http://127.0.0.1:<port>/files`.
//
//   node reference-server.mjs <port> <directory>
import http from 'node:http'
import { Server } from '@tus/server'
import { FileStore } from '@tus/file-store'

const [port, directory] = process.argv.slice(2)
if (!directory) {
  console.error('usage: node reference-server.mjs <port> <directory>')
  process.exit(2)
}
const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) })
const server = http.createServer((req, res) => tus.handle(req, res))
server.listen(Number(port), '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}/files`))
