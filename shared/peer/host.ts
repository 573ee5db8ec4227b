// The peer host: what `hearth serve` and the desktop app's core host serve the contract from. It
// owns the peer's lifetime where the peer has to be replaced while its clients stay connected:
// - encryption at rest: on an encrypted data folder it starts locked, with no peer at all (the
//   device key itself is sealed), answering `vault.*` and LOCKED to everything else, so the
//   bridge stays up and the UI can show its unlock screen. Unlocking starts the peer; turning
//   encryption on stops it, seals the folder and starts it again;
// - a restore in place: "Restore from a backup" on a new install stages the backup while the
//   unused peer runs, then swaps that peer for the restored one (in a sealed folder, sealed).
// Commands and events go to whichever peer runs now; commands wait while it is being replaced.
import { commands, type CallContext, type CommandName, type Handlers } from '../api/contract.ts'
import type { VaultStatus } from '../api/domain.ts'
import { HearthError } from '../api/errors.ts'
import { PeerEvents } from './events.ts'
import { stageBackup, type RestoreInPlace } from './carry/index.ts'
import { createPeer, type Peer, type PeerOptions } from './peer.ts'
import { alreadyEncrypted, enableVault, isSealed, unlockVault, type Vault } from './vault/index.ts'

export interface PeerHostOptions extends Omit<PeerOptions, 'vault' | 'restoreInPlace'> {
  /** Unlocks an encrypted folder at start; without it such a folder starts locked. */
  passphrase?: string
  /** Starts the peer; tests may wrap createPeer. */
  start?: (options: PeerOptions) => Promise<Peer>
}

function locked(): HearthError {
  return new HearthError('LOCKED', 'Hearth is locked: unlock it with its passphrase first.')
}

function stopped(): HearthError {
  return new HearthError('PEER_STOPPED', 'the peer has stopped')
}

export class PeerHost {
  readonly events = new PeerEvents()
  readonly handlers: Handlers
  readonly #options: PeerHostOptions
  #peer: Peer | undefined
  /** The vault the running peer was started with (undefined: plaintext folder, or locked). */
  #vault: Vault | undefined
  /** After a restore the stored name is the restored one, not the one the host was given. */
  #restored = false
  readonly #restoredListeners = new Set<(peer: Peer) => void>()
  #unsubscribe: (() => void) | undefined
  #locked = false
  #stopped = false
  /** Vault transitions (unlock, enable) one at a time; commands meanwhile wait for the outcome. */
  #transition: Promise<unknown> = Promise.resolve()
  /** Transitions queued or running: while none is, a command goes straight to the peer. */
  #transitions = 0
  readonly #waiting = new Set<{ resolve(peer: Peer): void; reject(err: unknown): void }>()

  /**
   * Starts the peer, or stays locked when the folder is encrypted and no passphrase was given.
   * A wrong passphrase throws WRONG_PASSPHRASE, a damaged header VAULT_DAMAGED: nothing changed.
   */
  static async open(options: PeerHostOptions): Promise<PeerHost> {
    const host = new PeerHost(options)
    const { dataDir, passphrase } = options
    if (dataDir !== undefined && isSealed(dataDir)) {
      if (passphrase === undefined) host.#locked = true
      else await host.#start(await unlockVault(dataDir, passphrase))
    } else {
      await host.#start(undefined)
    }
    return host
  }

  private constructor(options: PeerHostOptions) {
    this.#options = options
    type Forward = (input: never, ctx?: CallContext) => Promise<unknown>
    const handlers: Partial<Record<CommandName, Forward>> = {}
    for (const name of Object.keys(commands) as CommandName[]) {
      handlers[name] = (input: never, ctx?: CallContext) => this.#forward(name, input, ctx)
    }
    this.handlers = {
      ...(handlers as Handlers),
      'vault.status': async () => {
        await this.#settled()
        if (this.#peer) return this.#peer.handlers['vault.status']({})
        return { state: this.#locked ? 'locked' : 'off', portable: this.#portable }
      },
      'vault.unlock': ({ passphrase }) => this.#serially(() => this.#unlock(passphrase)),
      'vault.enable': ({ passphrase }) => this.#serially(() => this.#enable(passphrase)),
    }
  }

  /** The running peer; undefined while locked or stopped. */
  get peer(): Peer | undefined {
    return this.#peer
  }

  get isLocked(): boolean {
    return this.#locked
  }

  /** Called with the new peer after a restore replaced the old one. */
  onRestored(listener: (peer: Peer) => void): void {
    this.#restoredListeners.add(listener)
  }

  /** Resolves with the peer once it runs: at once, or when someone unlocks it. */
  running(): Promise<Peer> {
    if (this.#stopped) return Promise.reject(stopped())
    if (this.#peer && !this.#locked) return Promise.resolve(this.#peer)
    return new Promise((resolve, reject) => this.#waiting.add({ resolve, reject }))
  }

  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    await this.#transition.catch(() => undefined)
    for (const waiter of this.#waiting) waiter.reject(stopped())
    this.#waiting.clear()
    await this.#stopPeer()
  }

  /** The file a one-time download address names, from whichever peer runs now. */
  async openDownload(ticket: string): ReturnType<Peer['openDownload']> {
    await this.#settled()
    return this.#locked || !this.#peer ? undefined : this.#peer.openDownload(ticket)
  }

  #forward(name: CommandName, input: never, ctx: CallContext | undefined): Promise<unknown> {
    // Waiting on a settled chain costs every command a few turns of the microtask queue: a
    // message's send would leave later for nothing.
    if (this.#transitions > 0) return this.#settled().then(() => this.#call(name, input, ctx))
    return this.#call(name, input, ctx)
  }

  #call(name: CommandName, input: never, ctx: CallContext | undefined): Promise<unknown> {
    if (this.#stopped) return Promise.reject(stopped())
    if (this.#locked) return Promise.reject(locked())
    const peer = this.#peer
    if (!peer) return Promise.reject(stopped())
    // The call's context goes along: a long wait ends when its caller goes away.
    const handler = peer.handlers[name] as (input: never, ctx?: CallContext) => Promise<unknown>
    return handler(input, ctx)
  }

  get #portable(): boolean {
    return this.#options.portable ?? false
  }

  async #settled(): Promise<void> {
    await this.#transition.catch(() => undefined)
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    this.#transitions++
    const next = this.#transition
      .catch(() => undefined)
      .then(() => {
        if (this.#stopped) throw stopped()
        return work()
      })
    this.#transition = next
    const done = () => {
      this.#transitions--
    }
    next.then(done, done)
    return next
  }

  async #unlock(passphrase: string): Promise<VaultStatus> {
    if (!this.#locked) {
      if (!this.#peer) throw stopped()
      return this.#peer.handlers['vault.unlock']({ passphrase })
    }
    const vault = await unlockVault(this.#options.dataDir as string, passphrase)
    await this.#start(vault)
    return this.#changed()
  }

  async #enable(passphrase: string): Promise<VaultStatus> {
    if (this.#locked) throw alreadyEncrypted()
    const dataDir = this.#options.dataDir
    if (dataDir === undefined) {
      throw new HearthError(
        'BAD_INPUT',
        'This peer keeps everything in memory: there is nothing to encrypt.',
      )
    }
    if (isSealed(dataDir)) throw alreadyEncrypted()
    await this.#stopPeer()
    let vault: Vault
    try {
      vault = await enableVault(dataDir, passphrase, {
        ...(this.#options.kdf && { params: this.#options.kdf }),
      })
    } catch (err) {
      // Nothing was committed: the plaintext folder is as it was, so the peer comes back on it.
      await this.#start(undefined)
      throw err
    }
    await this.#start(vault)
    return this.#changed()
  }

  async #start(vault: Vault | undefined): Promise<void> {
    const { passphrase: _passphrase, start = createPeer, name, ...options } = this.#options
    const peer = await start({
      ...options,
      ...(name !== undefined && !this.#restored && { name }),
      ...(vault && { vault }),
      restoreInPlace: this.#restoreInPlace,
    })
    this.#peer = peer
    this.#vault = vault
    this.#locked = false
    this.#unsubscribe = peer.events.subscribe((name, payload) => this.events.emit(name, payload))
    for (const waiter of this.#waiting) waiter.resolve(peer)
    this.#waiting.clear()
  }

  readonly #restoreInPlace: RestoreInPlace = async ({ path, passphrase }) => {
    const { dataDir } = this.#options
    if (dataDir === undefined || this.#options.store !== undefined || this.#options.privateKey) {
      throw new HearthError('BAD_INPUT', 'This peer keeps no data folder to restore into.')
    }
    // The whole backup is read, checked and written beside the unused peer's files first (sealed,
    // in an encrypted folder): a wrong passphrase or a damaged file leaves this peer as it was.
    const vault = this.#vault
    const staged = await stageBackup({
      file: path,
      passphrase,
      dataDir,
      replaceUnusedPeer: true,
      ...(vault && { vault }),
    })
    return this.#serially(async () => {
      if (this.#vault !== vault) {
        await staged.discard()
        throw new HearthError(
          'BAD_INPUT',
          'Encryption was turned on while the backup was being read; restore it again.',
        )
      }
      await this.#stopPeer()
      await staged.commit()
      this.#restored = true
      await this.#start(vault)
      const peer = this.#peer as Peer
      for (const listener of this.#restoredListeners) listener(peer)
      return staged.summary
    })
  }

  async #stopPeer(): Promise<void> {
    const peer = this.#peer
    this.#peer = undefined
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    await peer?.stop()
  }

  #changed(): VaultStatus {
    const status: VaultStatus = { state: 'unlocked', portable: this.#portable }
    this.events.emit('vaultChanged', status)
    return status
  }
}
