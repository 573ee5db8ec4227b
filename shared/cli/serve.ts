import fs from 'node:fs'
import module from 'node:module'
import path from 'node:path'
import { containStreamErrors } from '../peer/containment.ts'
import { PeerHost } from '../peer/host.ts'
import type { Peer } from '../peer/peer.ts'
import { preparePortableTemp, tempEnv } from '../peer/portable/layout.ts'
import { isSealed, readHeader } from '../peer/vault/index.ts'
import { fileURLToPath } from 'node:url'
import { isLoopbackHost, newToken, startBridge, type Bridge } from '../peer/bridge/server.ts'
import type { Channel } from '../rpc/channel.ts'
import { serveApi } from '../rpc/server.ts'
import { readApiFile, type ApiFile } from './connect.ts'
import { API_FILE } from './data-dir.ts'
import type { Io } from './main.ts'
import { obtainPassphrase, parseFd, type PassphraseIo } from './passphrase.ts'
import { UsageError } from './usage.ts'
import { isProcessAlive } from '../peer/processes.ts'

export interface ServeArgs {
  dataDir: string
  /** Leave nothing on the host: temp files go inside the data folder and are removed on exit. */
  portable: boolean
  values: {
    name?: string | undefined
    listen?: string[] | undefined
    peer?: string[] | undefined
    'no-mdns'?: boolean | undefined
    web?: string | undefined
    'passphrase-fd'?: string | undefined
  }
  io: Io
  /** The terminal a passphrase prompt reads (tests pass a fake one). */
  terminal?: PassphraseIo['stdin']
}

/** Printed instead of the ready line while the peer waits for its passphrase. */
export interface LockedLine {
  locked: true
  api: string
  web?: string
}

/** Writes the file beside, fsyncs and renames, so a reader never sees half of it. */
function writePrivateFile(file: string, text: string) {
  const tmp = `${file}.tmp-${process.pid}`
  const fd = fs.openSync(tmp, 'w', 0o600)
  try {
    fs.writeSync(fd, text)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(tmp, file)
}

/** A read-only or vanished data folder keeps its api.json; the next serve replaces a stale one. */
function removeApiFile(file: string, io: ServeArgs['io']): void {
  try {
    fs.rmSync(file, { force: true })
  } catch (err) {
    io.err(`hearth: could not remove ${file}: ${String(err)}`)
  }
}

/** The built web UI (`npm run build:web`), served by `--web`. */
export const WEB_DIR = fileURLToPath(new URL('../../renderer/dist', import.meta.url))

/** Parses `--web [HOST:]PORT` (IPv6 hosts in brackets). */
export function parseWebAddress(spec: string): { host: string; port: number } {
  const match = /^(?:(\[[^\]]+\]|[^:]+):)?(\d{1,5})$/.exec(spec.trim())
  const port = Number(match?.[2])
  if (!match || port > 65535) {
    throw new UsageError(`--web takes [HOST:]PORT, like 127.0.0.1:8080 or 8080; got "${spec}"`)
  }
  return { host: match[1] ?? '127.0.0.1', port }
}

/** `hearth serve`: runs a peer until SIGINT/SIGTERM, then flushes and exits 0. */
/**
 * Portable mode: whatever in this process asks for a temp folder (os.tmpdir() and the libraries
 * using it) gets one inside the data folder, emptied now and on exit.
 */
function keepTempInside(dataDir: string, io: ServeArgs['io']): () => void {
  const temp = preparePortableTemp(dataDir)
  Object.assign(process.env, tempEnv(temp))
  // Node writes its compile cache where NODE_COMPILE_CACHE says, before any of our code runs.
  const cache = module.getCompileCacheDir?.()
  if (cache !== undefined && path.relative(dataDir, cache).startsWith('..')) {
    io.err(
      `hearth: NODE_COMPILE_CACHE is set, so Node itself writes its compile cache to ${cache} on this computer; unset it to leave nothing behind`,
    )
  }
  return () => {
    try {
      fs.rmSync(temp, { recursive: true, force: true })
    } catch (err) {
      io.err(`hearth: could not empty ${temp}: ${String(err)}`)
    }
  }
}

export async function serve({
  dataDir,
  portable,
  values,
  io,
  terminal,
}: ServeArgs): Promise<number> {
  const web = values.web === undefined ? undefined : parseWebAddress(values.web)
  const passphraseFd = parseFd(values['passphrase-fd'], '--passphrase-fd')
  if (web && !fs.existsSync(path.join(WEB_DIR, 'index.html'))) {
    io.err('hearth: the web UI is not built yet; run "npm run build:web" once, then try again')
    return 1
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const running = readApiFile(dataDir)
  if (running && running.pid !== process.pid && isProcessAlive(running.pid)) {
    io.err(`hearth: a peer is already running on ${dataDir} (process ${running.pid})`)
    return 1
  }

  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'))
    process.once('SIGTERM', () => resolve('SIGTERM'))
  })

  // An encrypted folder needs its passphrase before the peer can start; with none from a file
  // descriptor, the environment or a terminal, the peer starts locked and waits for the UI (or
  // `hearth vault unlock`). A wrong one ends here: exit 1, nothing written.
  const sealed = isSealed(dataDir)
  // A damaged header fails here, before anyone is asked for a passphrase that could not work.
  if (sealed) readHeader(dataDir)
  const passphrase = sealed
    ? await obtainPassphrase(
        { fd: passphraseFd, env: 'HEARTH_PASSPHRASE', prompt: `Passphrase for ${dataDir}: ` },
        { io, ...(terminal && { stdin: terminal }) },
      )
    : undefined
  if (!sealed && (passphraseFd !== undefined || io.env.HEARTH_PASSPHRASE)) {
    delete io.env.HEARTH_PASSPHRASE
    io.err(`hearth: ${dataDir} is not encrypted, so the passphrase was not used`)
  }

  const removeTemp = portable ? keepTempInside(dataDir, io) : () => {}
  containStreamErrors((line) => io.err(line))
  // The peer host: locked until unlocked on an encrypted folder, and on a new install "Restore
  // from a backup" replaces the unused peer in place.
  let host: PeerHost
  try {
    host = await PeerHost.open({
      dataDir,
      portable,
      ...(values.name !== undefined && { name: values.name }),
      ...(values.listen !== undefined && { listen: values.listen }),
      ...(values.peer !== undefined && { bootstrap: values.peer }),
      mdns: !values['no-mdns'],
      ...(passphrase !== undefined && { passphrase }),
    })
  } catch (err) {
    removeTemp()
    throw err
  }
  const token = newToken()
  const onConnection = (channel: Channel) => {
    serveApi(channel, host.handlers, host.events.subscribe)
  }
  const download = (ticket: string) => host.openDownload(ticket)
  const bridges: Bridge[] = []
  const stopBridges = () => Promise.all(bridges.map((b) => b.close()))
  try {
    // The API the CLI uses always listens on loopback. The web UI shares it when it is on
    // loopback too; on another address (the person asked for it) it gets its own server, which
    // still demands the token.
    const webOnLoopback = web !== undefined && isLoopbackHost(web.host)
    bridges.push(
      await startBridge({
        token,
        onConnection,
        download,
        ...(webOnLoopback && { host: web.host, port: web.port, staticDir: WEB_DIR }),
      }),
    )
    if (web !== undefined && !webOnLoopback) {
      io.err(
        `hearth: serving the web UI on ${web.host}:${web.port}; anyone with its link can use it`,
      )
      bridges.push(
        await startBridge({
          token,
          onConnection,
          download,
          host: web.host,
          port: web.port,
          staticDir: WEB_DIR,
          allowNonLoopback: true,
        }),
      )
    }
  } catch (err) {
    await stopBridges()
    await host.stop()
    removeTemp()
    throw err
  }
  const bridge = bridges[0] as Bridge
  const webUrl = bridges.at(-1)?.webUrl
  const apiFile = path.join(dataDir, API_FILE)
  const writeApiFile = (peerId: string) => {
    const info: ApiFile = { api: bridge.url, token, pid: process.pid, peerId }
    writePrivateFile(apiFile, JSON.stringify(info))
  }
  const shutdown = async (signal: string) => {
    io.err(`hearth: ${signal} received, stopping`)
    try {
      removeApiFile(apiFile, io)
      await stopBridges()
    } finally {
      await host.stop()
      removeTemp()
    }
    return 0
  }

  if (host.isLocked) {
    // No peer id yet: the device key is sealed too. The CLI reaches the API through api.json.
    writeApiFile('')
    const line: LockedLine = {
      locked: true,
      api: bridge.url,
      ...(webUrl !== undefined && { web: webUrl }),
    }
    io.out(JSON.stringify(line))
    io.err(
      `hearth: ${dataDir} is encrypted; unlock it in the web UI or with: hearth vault unlock --data-dir ${dataDir}`,
    )
    const unlocked = await Promise.race([host.running(), stopSignal.then((signal) => ({ signal }))])
    if ('signal' in unlocked) return shutdown(unlocked.signal)
  }
  const peer: Peer = await host.running()
  writeApiFile(peer.peerId)
  host.onRestored((restored) => {
    writeApiFile(restored.peerId)
    io.err(`hearth: restored from a backup; this peer is now ${restored.peerId}`)
  })
  io.out(
    JSON.stringify({
      ready: true,
      peerId: peer.peerId,
      addrs: peer.addrs(),
      api: bridge.url,
      ...(webUrl !== undefined && { web: webUrl }),
    }),
  )
  return shutdown(await stopSignal)
}
