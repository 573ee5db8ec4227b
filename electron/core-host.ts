// The core host: an Electron utilityProcess that runs the peer, so a crash or a long database
// write never freezes the window or the main process. Every client (the window, the main
// process's notifier) reaches the peer over its own MessagePort, with the same validating RPC
// server the WebSocket bridge uses.
import { containStreamErrors } from '../shared/peer/containment.ts'
import { startRestorablePeer, type RestorablePeer } from '../shared/peer/carry/restorable.ts'
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

function stop(peer: RestorablePeer): Promise<void> {
  stopping ??= peer.stop().then(
    () => process.exit(0),
    (err: unknown) => die('the peer did not stop cleanly', err),
  )
  return stopping
}

function serve(peer: RestorablePeer): void {
  // Messages sent before this handler existed were queued by Electron, so none is lost while the
  // peer opens its database.
  parentPort.on('message', (event) => {
    const parsed = ToHost.safeParse(event.data)
    if (!parsed.success) {
      console.error('hearth core host: dropped a message outside its protocol')
      return
    }
    if (parsed.data.type === 'stop') {
      void stop(peer)
      return
    }
    const [port] = event.ports
    if (port === undefined || event.ports.length !== 1 || stopping) {
      for (const extra of event.ports) extra.close()
      return
    }
    serveApi(portChannel(port), peer.handlers, peer.events.subscribe)
  })
}

async function main(): Promise<void> {
  const options = parseHostArgs(process.argv)
  containStreamErrors()
  let peer: RestorablePeer
  try {
    peer = await startRestorablePeer(options)
  } catch (err) {
    die('the peer could not start', err)
  }
  serve(peer)
  tell({ type: 'ready', peerId: peer.peerId })
}

void main()
