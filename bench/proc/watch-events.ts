// Runs beside a `hearth serve` (inside its network namespace, where its loopback API is) and
// prints the peer's connection events as JSON lines the moment they arrive:
// {"watching":true,"connected":[…]} once subscribed, then {"event":"peerConnected","peerId":…}.
// Exits when the peer's API closes. usage: watch-events.ts DATA_DIR
import { connectToPeer } from '../../shared/cli/connect.ts'

const dataDir = process.argv[2]
if (dataDir === undefined) {
  process.stderr.write('usage: watch-events.ts DATA_DIR\n')
  process.exit(2)
}
const say = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`)

const client = await connectToPeer(dataDir)
client.on('peerConnected', ({ peerId }) => say({ event: 'peerConnected', peerId }))
client.on('peerDisconnected', ({ peerId }) => say({ event: 'peerDisconnected', peerId }))
const peers = await client.call('peers.list', {})
say({ watching: true, connected: peers.filter((p) => p.connected).map((p) => p.peerId) })
await client.closed
process.exit(0)
