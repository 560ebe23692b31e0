// Uploads one photo to a Testigo server with the tus reference client (tus-js-client), aborts the
// upload part-way, resumes it with the same Upload object (HEAD, then PATCH from the server's
// offset), and prints one JSON line describing what happened.
//
//   node upload.mjs <endpoint> <token> <file> <capture_id> <sha256> <mode>
//
// Modes:
//   chunks   64 KiB chunks; abort after the second chunk is accepted (between requests).
//   midway   the whole photo in one PATCH, which the link breaks mid-body (the test runs it through
//            the fault proxy); the client's own retry sends HEAD and resumes from the bytes the
//            server kept.
//   override creation-with-upload and X-HTTP-Method-Override (POST for PATCH), no abort.
import { readFileSync } from 'node:fs'
import * as tus from 'tus-js-client'

const [endpoint, token, file, captureId, sha256, mode] = process.argv.slice(2)
if (!mode) {
  console.error('usage: node upload.mjs <endpoint> <token> <file> <capture_id> <sha256> <chunks|midway|override>')
  process.exit(2)
}
const bytes = readFileSync(file)
const requests = []
let aborted = false
let resumedFrom = null
let receipt = null

function fail(message) {
  console.log(JSON.stringify({ ok: false, error: String(message), requests }))
  process.exit(1)
}

const timer = setTimeout(() => fail('timed out'), 60_000)

const upload = new tus.Upload(bytes, {
  endpoint,
  headers: { Authorization: `Bearer ${token}` },
  metadata: { capture_id: captureId, sha256, filename: 'acta.jpg', filetype: 'image/jpeg' },
  chunkSize: mode === 'chunks' ? 64 * 1024 : Infinity,
  retryDelays: [100, 300, 1000, 2000],
  overridePatchMethod: mode === 'override',
  uploadDataDuringCreation: mode === 'override',
  onAfterResponse(req, res) {
    const entry = { method: req.getMethod(), status: res.getStatus(), offset: res.getHeader('Upload-Offset') ?? null }
    requests.push(entry)
    if (req.getMethod() === 'HEAD') resumedFrom = Number(res.getHeader('Upload-Offset'))
    const r = res.getHeader('Testigo-Receipt')
    if (r) receipt = r
  },
  onChunkComplete(_size, accepted) {
    if (mode === 'chunks' && !aborted && accepted >= 2 * 64 * 1024) abortAndResume()
  },

  onShouldRetry(err, attempt) {
    requests.push({ method: err.originalRequest?.getMethod() ?? null, status: null, offset: null, retry: attempt })
    return attempt < 4
  },
  onError(err) {
    fail(err)
  },
  onSuccess() {
    clearTimeout(timer)
    console.log(JSON.stringify({ ok: true, url: upload.url, size: bytes.length, aborted, resumed_from: resumedFrom, receipt, requests }))
  },
})

function abortAndResume() {
  aborted = true
  // Abort at once (mid-body in `midway` mode), without terminating; wait; start again.
  upload
    .abort(false)
    .then(() => setTimeout(() => upload.start(), 200))
    .catch(fail)
}

upload.start()
