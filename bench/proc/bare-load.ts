// The cold-start floor's process: Node starts, loads Yjs, applies one stored group state, and
// reports how long the apply took and how much memory the process then holds.
import fs from 'node:fs'
import * as Y from 'yjs'

const file = process.argv[2]
if (file === undefined) {
  process.stderr.write('usage: bare-load.ts STATE_FILE\n')
  process.exit(2)
}
const state = fs.readFileSync(file)
const doc = new Y.Doc()
const start = performance.now()
Y.applyUpdate(doc, state)
const applyMs = performance.now() - start
const entries = doc.getMap('msgs').size
process.stdout.write(`${JSON.stringify({ applyMs, entries, rss: process.memoryUsage().rss })}\n`)
