// A peer that a restore can replace while its host keeps running: what `hearth serve` and the
// desktop app's core host run, so a person who has just installed Hearth can pick "Restore from
// a backup" in the first-run screen. Clients keep their connection (to this object); when the
// restore is done they reload everything, since the device they talk to is now another one.
import { commands, type CallContext, type CommandName, type Handlers } from '../../api/contract.ts'
import { HearthError } from '../../api/errors.ts'
import { PeerEvents } from '../events.ts'
import { createPeer, type Peer, type PeerOptions } from '../peer.ts'
import { stageBackup, type RestoreInPlace } from './index.ts'

export interface RestorablePeer {
  /** The peer id of the peer running now (it changes once, when a backup is restored). */
  readonly peerId: string
  readonly handlers: Handlers
  readonly events: PeerEvents
  addrs(): string[]
  /** The file a one-time download address names (see Peer.openDownload). */
  openDownload: Peer['openDownload']
  stop(): Promise<void>
  /** Called with the new peer after a restore replaced the old one. */
  onRestored(listener: (peer: Peer) => void): void
}

export async function startRestorablePeer(options: PeerOptions): Promise<RestorablePeer> {
  const { dataDir } = options
  const events = new PeerEvents()
  const restored = new Set<(peer: Peer) => void>()
  let current: Peer
  let forward = () => {}
  /** Commands wait while the peer is being swapped, then go to the new one. */
  let swapping: Promise<void> = Promise.resolve()
  let stopped = false

  const attach = (peer: Peer) => {
    current = peer
    forward = peer.events.subscribe((name, payload) => events.emit(name, payload))
  }

  const restoreInPlace: RestoreInPlace = async ({ path, passphrase }) => {
    if (dataDir === undefined || options.store !== undefined || options.privateKey !== undefined) {
      throw new HearthError('BAD_INPUT', 'This peer keeps no data folder to restore into.')
    }
    // The whole backup is read, checked and written beside the unused peer's files first: a
    // wrong passphrase or a damaged file leaves this peer running as it was.
    const staged = await stageBackup({ file: path, passphrase, dataDir, replaceUnusedPeer: true })
    let done = () => {}
    swapping = new Promise((resolve) => (done = resolve))
    try {
      forward()
      await current.stop()
      await staged.commit()
      // The restored name wins over the one this host was started with.
      const { name: _started, ...rest } = options
      attach(await createPeer({ ...rest, restoreInPlace }))
    } finally {
      done()
    }
    for (const listener of restored) listener(current)
    return staged.summary
  }

  attach(await createPeer({ ...options, restoreInPlace }))

  const handlers = {} as Record<
    CommandName,
    (input: unknown, ctx?: CallContext) => Promise<unknown>
  >
  for (const name of Object.keys(commands) as CommandName[]) {
    handlers[name] = async (input, ctx) => {
      await swapping
      if (stopped) throw new HearthError('PEER_STOPPED', 'Hearth has stopped.')
      // The call's context goes along: a long wait ends when its caller goes away.
      const handler = current.handlers[name] as (
        input: unknown,
        ctx?: CallContext,
      ) => Promise<unknown>
      return handler(input, ctx)
    }
  }

  return {
    get peerId() {
      return current.peerId
    },
    handlers: handlers as Handlers,
    events,
    addrs: () => current.addrs(),
    openDownload: (ticket) => current.openDownload(ticket),
    async stop() {
      stopped = true
      await swapping
      forward()
      await current.stop()
    },
    onRestored(listener) {
      restored.add(listener)
    },
  }
}
