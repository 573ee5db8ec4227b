// A Hearth peer for the shelf benchmarks, in its own process like a real one, with the connection
// encrypters chosen by name (lib/encrypters.ts) so a run can offer what the desktop app offers.
// It prints one JSON line, {"ready":true,"peerId","addrs"}, then speaks the contract's RPC on
// stdin/stdout, one frame per line. Exits when stdin closes or on SIGTERM.
// usage: shelf-peer.ts DATA_DIR ENCRYPTER LISTEN_MULTIADDR
import fs from 'node:fs'
import { PerformanceObserver, constants } from 'node:perf_hooks'
import { createPeer } from '../../shared/peer/peer.ts'
import { containStreamErrors } from '../../shared/peer/containment.ts'
import { serveApi } from '../../shared/rpc/server.ts'
import { APP_OFFERS, ENCRYPTERS, isOfferName, offerOf } from '../lib/encrypters.ts'
import { lineChannel } from '../lib/line-channel.ts'
import type { OfferName } from '../lib/encrypters.ts'

const [dataDir, encrypter, listen] = process.argv.slice(2)
if (dataDir === undefined || listen === undefined || !isOfferName(encrypter ?? '')) {
  process.stderr.write(
    `usage: shelf-peer.ts DATA_DIR ${[...Object.keys(ENCRYPTERS), ...Object.keys(APP_OFFERS)].join('|')} LISTEN\n`,
  )
  process.exit(2)
}
containStreamErrors((line) => process.stderr.write(`${line}\n`))
// HEARTH_BENCH_MEMLOG=DIR: every 100 ms, one JSON line of process.memoryUsage() goes to
// DIR/<pid>.jsonl, to see where the resident memory of a transfer goes (heap or buffers).
const memlog = process.env['HEARTH_BENCH_MEMLOG']
if (memlog !== undefined && memlog !== '') {
  const file = `${memlog}/${process.pid}.jsonl`
  // Collections since the last line, by kind (minor: scavenge, major: mark-compact).
  const gcs = { minor: 0, major: 0 }
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gcs.minor++
      else gcs.major++
    }
  }).observe({ entryTypes: ['gc'] })
  setInterval(() => {
    const line = { t: Date.now(), ...process.memoryUsage(), ...gcs }
    gcs.minor = 0
    gcs.major = 0
    fs.appendFileSync(file, `${JSON.stringify(line)}\n`)
  }, 100).unref()
}
const peer = await createPeer({
  dataDir,
  name: 'bench',
  listen: [listen],
  mdns: false,
  node: { encrypters: offerOf(encrypter as OfferName).make() },
})
process.stdout.write(
  `${JSON.stringify({ ready: true, peerId: peer.peerId, addrs: peer.addrs() })}\n`,
)
const channel = lineChannel(process.stdin, process.stdout)
serveApi(channel, peer.handlers, peer.events.subscribe)
let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await peer.stop()
  process.exit(0)
}
channel.onClose(() => void stop())
process.once('SIGTERM', () => void stop())
