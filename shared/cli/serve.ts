import fs from 'node:fs'
import module from 'node:module'
import path from 'node:path'
import { containStreamErrors } from '../peer/containment.ts'
import { startRestorablePeer } from '../peer/carry/restorable.ts'
import { preparePortableTemp, tempEnv } from '../peer/portable/layout.ts'
import { fileURLToPath } from 'node:url'
import { isLoopbackHost, newToken, startBridge, type Bridge } from '../peer/bridge/server.ts'
import type { Channel } from '../rpc/channel.ts'
import { serveApi } from '../rpc/server.ts'
import { readApiFile, type ApiFile } from './connect.ts'
import { API_FILE } from './data-dir.ts'
import type { Io } from './main.ts'
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
  }
  io: Io
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

export async function serve({ dataDir, portable, values, io }: ServeArgs): Promise<number> {
  const web = values.web === undefined ? undefined : parseWebAddress(values.web)
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

  const removeTemp = portable ? keepTempInside(dataDir, io) : () => {}
  containStreamErrors((line) => io.err(line))
  // Restorable: on a new install, "Restore from a backup" replaces the unused peer in place.
  const peer = await startRestorablePeer({
    dataDir,
    portable,
    ...(values.name !== undefined && { name: values.name }),
    ...(values.listen !== undefined && { listen: values.listen }),
    ...(values.peer !== undefined && { bootstrap: values.peer }),
    mdns: !values['no-mdns'],
  })
  const token = newToken()
  const onConnection = (channel: Channel) => {
    serveApi(channel, peer.handlers, peer.events.subscribe)
  }
  const download = (ticket: string) => peer.openDownload(ticket)
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
    await peer.stop()
    removeTemp()
    throw err
  }
  const bridge = bridges[0] as Bridge
  const webUrl = bridges.at(-1)?.webUrl
  const apiFile = path.join(dataDir, API_FILE)
  const info: ApiFile = { api: bridge.url, token, pid: process.pid, peerId: peer.peerId }
  writePrivateFile(apiFile, JSON.stringify(info))
  peer.onRestored((restored) => {
    writePrivateFile(apiFile, JSON.stringify({ ...info, peerId: restored.peerId }))
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

  const signal = await stopSignal
  io.err(`hearth: ${signal} received, stopping`)
  try {
    removeApiFile(apiFile, io)
    await stopBridges()
  } finally {
    await peer.stop()
    removeTemp()
  }
  return 0
}
