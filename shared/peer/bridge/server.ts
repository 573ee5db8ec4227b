// The WebSocket bridge: the contract served to the browser UI, the CLI and e2e tests on loopback.
// Every upgrade must pass, in order: a known Host (DNS rebinding), a same-server Origin (other web
// pages in the user's browser), the per-run token, and the client cap. Refusals are plain HTTP
// answers, so nothing reaches the RPC layer before all of them pass.
import fs from 'node:fs'
import type http from 'node:http'
import { createRequire } from 'node:module'
import net from 'node:net'
import { Readable, type Duplex } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { WebSocketServer, type WebSocket } from 'ws'
import { HearthError } from '../../api/index.ts'
import { wsChannel, type Channel } from '../../rpc/index.ts'
import { downloadHeaders, downloadTicket, type BridgeDownload } from './download.ts'
import { contentTypeOf, resolveStaticFile } from './static-files.ts'
import { TOKEN_PATTERN, tokenMatches } from './token.ts'

export { newToken } from './token.ts'

// Required, not imported: building node:http's ES module view runs its lazy WebSocket getter,
// which loads Node's whole bundled fetch/WebSocket client (undici): 25-70 ms of every start.
const { createServer, STATUS_CODES } = createRequire(import.meta.url)(
  'node:http',
) as typeof import('node:http')

export interface BridgeOptions {
  /** Defaults to 127.0.0.1. Anything but loopback needs `allowNonLoopback`. */
  host?: string
  /** 0 (the default) picks a free port. */
  port?: number
  token: string
  /** Called once per authenticated client; serve the contract on the channel here. */
  onConnection(channel: Channel): void
  /** Folder of the built web UI, served over HTTP GET. */
  staticDir?: string
  /** The file a one-time download address names (GET /download/<ticket>), if any. */
  download?(ticket: string): Promise<BridgeDownload | undefined>
  allowNonLoopback?: boolean
  /** Largest WebSocket message accepted, in bytes; a bigger one closes that client (1009). */
  maxPayload?: number
  maxClients?: number
}

export interface Bridge {
  /** ws://HOST:PORT, without the token. */
  url: string
  port: number
  /** http://HOST:PORT/?token=…, when a static folder is served. */
  webUrl?: string
  /** Closes every client and stops listening. */
  close(): Promise<void>
}

const SUBPROTOCOL_PREFIX = 'hearth.'
const DEFAULT_MAX_PAYLOAD = 1024 * 1024
const DEFAULT_MAX_CLIENTS = 16
// A client that does not answer our close frame is cut off after this long.
const CLOSE_GRACE_MS = 2000

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

export function isLoopbackHost(host: string): boolean {
  const h = unbracket(host).toLowerCase()
  if (h === 'localhost' || h === '::1') return true
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h
  return net.isIPv4(v4) && v4.startsWith('127.')
}

function urlHost(address: string): string {
  return net.isIPv6(address) ? `[${address}]` : address
}

/** What clients may call this server in Host and Origin headers. */
function allowedAuthorities(host: string, port: number): Set<string> {
  const names = ['127.0.0.1', 'localhost', '[::1]']
  const h = unbracket(host)
  if (h !== '0.0.0.0' && h !== '::') names.push(urlHost(h))
  return new Set(names.map((n) => `${n}:${port}`))
}

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ')
}

function splitTarget(target: string): { pathname: string; query: URLSearchParams } | undefined {
  if (!target.startsWith('/')) return undefined
  const q = target.indexOf('?')
  return {
    pathname: q === -1 ? target : target.slice(0, q),
    query: new URLSearchParams(q === -1 ? '' : target.slice(q + 1)),
  }
}

function offeredSubprotocols(req: http.IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol']
  if (typeof header !== 'string') return []
  return header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

function listen(server: http.Server, port: number, host: string): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) =>
      reject(new Error(`The API cannot listen on ${host}:${port}: ${err.message}`, { cause: err }))
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      const address = server.address()
      if (address === null || typeof address === 'string') {
        reject(new Error(`The API server reports no TCP address (${String(address)})`))
      } else {
        resolve(address)
      }
    })
  })
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const host = options.host ?? '127.0.0.1'
  const loopback = isLoopbackHost(host)
  if (!loopback && options.allowNonLoopback !== true) {
    throw new HearthError(
      'BAD_INPUT',
      `Refusing to serve the API on ${host}: it is not a loopback address, so other machines could reach it.`,
    )
  }
  if (!TOKEN_PATTERN.test(options.token)) {
    throw new HearthError('BAD_INPUT', 'The API token must be at least 32 base64url characters.')
  }
  const staticRoot =
    options.staticDir === undefined ? undefined : fs.realpathSync(options.staticDir)
  const maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS
  const token = options.token
  const subprotocol = `${SUBPROTOCOL_PREFIX}${token}`

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    // Compression lets a small frame inflate into a large allocation; messages are small JSON.
    perMessageDeflate: false,
    // The token check already ran; echo our subprotocol back so browsers accept the handshake.
    handleProtocols: (protocols) => (protocols.has(subprotocol) ? subprotocol : false),
  })
  const server = createServer()
  let authorities = new Set<string>()
  let origins = new Set<string>()
  let pending = 0
  let closing = false

  const knownHost = (req: http.IncomingMessage) =>
    !loopback || (req.headers.host !== undefined && authorities.has(req.headers.host.toLowerCase()))
  const presentsToken = (req: http.IncomingMessage, query: URLSearchParams) =>
    tokenMatches(token, query.get('token') ?? undefined) ||
    offeredSubprotocols(req).some(
      (p) =>
        p.startsWith(SUBPROTOCOL_PREFIX) && tokenMatches(token, p.slice(SUBPROTOCOL_PREFIX.length)),
    )

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A client that goes away without a closing handshake (a tab closed, a `hearth` command
      // exiting right after its answer) resets the connection: that is normal, not worth a line
      // in the log of every command.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return
      console.warn(`bridge: client socket failed: ${err.message}`)
    })
    const target = splitTarget(req.url ?? '')
    if (closing) return refuseUpgrade(socket, 503, 'The peer is stopping.')
    if (!target || target.pathname !== '/') return refuseUpgrade(socket, 404, 'Not found.')
    if (!knownHost(req)) return refuseUpgrade(socket, 403, 'Unknown host.')
    const origin = req.headers.origin
    if (origin !== undefined && !origins.has(origin.toLowerCase())) {
      return refuseUpgrade(socket, 403, 'Connections from other web sites are not allowed.')
    }
    if (!presentsToken(req, target.query)) {
      return refuseUpgrade(socket, 401, 'A valid API token is required.')
    }
    if (wss.clients.size + pending >= maxClients) {
      return refuseUpgrade(socket, 503, 'Too many clients are connected.')
    }
    // Counted until the handshake ends either way, so failed handshakes cannot use up the cap.
    pending += 1
    let counted = true
    const settle = () => {
      if (counted) pending -= 1
      counted = false
    }
    socket.once('close', settle)
    wss.handleUpgrade(req, socket, head, (ws) => {
      settle()
      accept(ws)
    })
  })

  function accept(ws: WebSocket): void {
    // Without a listener an oversized frame's RangeError would crash the process.
    ws.on('error', (err) => console.warn(`bridge: client dropped: ${err.message}`))
    if (closing) return ws.terminate()
    try {
      options.onConnection(wsChannel(ws))
    } catch (err) {
      console.error('bridge: setting up a client failed:', err)
      ws.close(1011, 'the peer could not serve this connection')
    }
  }

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    void serveHttp(req, res).catch((err: unknown) => {
      console.error('bridge: serving a file failed:', err)
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' })
      res.end()
    })
  })

  async function serveHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const plain = (status: number, text: string, extra: http.OutgoingHttpHeaders = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...extra })
      res.end(`${text}\n`)
    }
    const target = splitTarget(req.url ?? '')
    if (!knownHost(req)) return plain(403, 'Unknown host.')
    const ticket = target === undefined ? undefined : downloadTicket(target.pathname)
    if (ticket !== undefined && options.download !== undefined) {
      // GET only: anything that looked at a ticket without taking the file would use it up.
      if (req.method !== 'GET') return plain(405, 'Only GET is served here.', { Allow: 'GET' })
      const download = await options.download(ticket)
      if (download === undefined) return plain(404, 'This download link was used or has expired.')
      res.writeHead(200, downloadHeaders(download))
      try {
        await pipeline(Readable.from(download.body), res)
      } catch (err) {
        // The browser went away or the file could not be read: the download shows as failed.
        console.warn(
          `bridge: a download ended early: ${err instanceof Error ? err.message : String(err)}`,
        )
      }
      return
    }
    if (staticRoot === undefined || !target) return plain(404, 'Not found.')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return plain(405, 'Only GET is served here.', { Allow: 'GET, HEAD' })
    }
    const file = await resolveStaticFile(staticRoot, target.pathname)
    if (file === undefined) return plain(404, 'Not found.')
    const type = contentTypeOf(file)
    const isHtml = type.startsWith('text/html')
    // The page is what would hand a token-less visitor the means to act; assets are plain code.
    if (isHtml && !tokenMatches(token, target.query.get('token') ?? undefined)) {
      return plain(401, 'Open the address printed by `hearth serve --web`; it carries the token.')
    }
    const { size } = await fs.promises.stat(file)
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': size,
      'Content-Security-Policy': contentSecurityPolicy(port),
      'X-Content-Type-Options': 'nosniff',
      // The page's URL carries the token: never send it on as a Referer.
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': isHtml ? 'no-store' : 'no-cache',
    })
    if (req.method === 'HEAD') return void res.end()
    const stream = fs.createReadStream(file)
    stream.on('error', (err) => {
      console.error(`bridge: reading ${file} failed:`, err)
      res.destroy(err)
    })
    stream.pipe(res)
  }

  const address = await listen(server, options.port ?? 0, host)
  const port = address.port
  authorities = allowedAuthorities(host, port)
  origins = new Set([...authorities].map((a) => `http://${a}`))
  const base = `${urlHost(address.address)}:${port}`

  return {
    url: `ws://${base}`,
    port,
    ...(staticRoot === undefined ? {} : { webUrl: `http://${base}/?token=${token}` }),
    async close() {
      if (closing) return
      closing = true
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await Promise.all(
        [...wss.clients].map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === ws.CLOSED) return resolve()
              const cutOff = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS)
              ws.once('close', () => {
                clearTimeout(cutOff)
                resolve()
              })
              ws.close(1001, 'the peer is stopping')
            }),
        ),
      )
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await serverClosed
    },
  }
}
