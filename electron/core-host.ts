// The core host: an Electron utilityProcess that runs the peer, so a crash or a long database
// write never freezes the window or the main process. Every client (the window, the main
// process's notifier) reaches the peer over its own MessagePort, with the same validating RPC
// server the WebSocket bridge uses. On an encrypted data folder the peer starts locked: the
// contract is served at once (only vault.* answers), and the window's unlock screen unlocks it.
import { containStreamErrors } from '../shared/peer/containment.ts'
import { PeerHost } from '../shared/peer/host.ts'
import { portChannel } from '../shared/rpc/port-channel.ts'
import { serveApi } from '../shared/rpc/server.ts'
import { ToHost, parseHostArgs, type FromHost } from './core-host-protocol.ts'

const parentPort = process.parentPort

function tell(message: FromHost): void {
  parentPort.postMessage(message)
}

function die(reason: string, err: unknown): never {
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err)
  console.error(`hearth core host: ${reason}:`, detail)
  tell({
    type: 'failed',
    message: `${reason}: ${err instanceof Error ? err.message : String(err)}`,
  })
  process.exit(1)
}

process.on('uncaughtException', (err) => die('the peer crashed', err))
process.on('unhandledRejection', (err) => die('the peer crashed', err))

let stopping: Promise<void> | undefined

function stop(host: PeerHost): Promise<void> {
  stopping ??= host.stop().then(
    () => process.exit(0),
    (err: unknown) => die('the peer did not stop cleanly', err),
  )
  return stopping
}

function serve(host: PeerHost): void {
  // Messages sent before this handler existed were queued by Electron, so none is lost while the
  // peer opens its database.
  parentPort.on('message', (event) => {
    const parsed = ToHost.safeParse(event.data)
    if (!parsed.success) {
      console.error('hearth core host: dropped a message outside its protocol')
      return
    }
    if (parsed.data.type === 'stop') {
      void stop(host)
      return
    }
    const [port] = event.ports
    if (port === undefined || event.ports.length !== 1 || stopping) {
      for (const extra of event.ports) extra.close()
      return
    }
    serveApi(portChannel(port), host.handlers, host.events.subscribe)
  })
}

async function main(): Promise<void> {
  const options = parseHostArgs(process.argv)
  containStreamErrors()
  let host: PeerHost
  try {
    host = await PeerHost.open(options)
  } catch (err) {
    die('the peer could not start', err)
  }
  serve(host)
  if (host.isLocked) tell({ type: 'locked' })
  host.running().then(
    (peer) => tell({ type: 'ready', peerId: peer.peerId }),
    // Stopped while still locked: there is nothing to report.
    () => undefined,
  )
}

void main()
