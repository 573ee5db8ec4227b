import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { WebSocket, type ClientOptions } from 'ws'
import { HearthError } from '../../api/index.ts'
import type { Channel } from '../../rpc/index.ts'
import { startBridge, type Bridge, type BridgeOptions } from './server.ts'
import { newToken } from './token.ts'

const token = newToken()
const cleanups: (() => Promise<void> | void)[] = []
after(async () => {
  for (const fn of cleanups.reverse()) await fn()
})

/** A bridge whose clients get their messages echoed back; `connections` resolves in order. */
async function start(extra: Partial<BridgeOptions> = {}) {
  const channels: Channel[] = []
  const waiting: ((c: Channel) => void)[] = []
  const bridge: Bridge = await startBridge({
    token,
    onConnection(channel) {
      channel.onMessage((text) => channel.send(`echo:${text}`))
      channels.push(channel)
      waiting.shift()?.(channel)
    },
    ...extra,
  })
  cleanups.push(() => bridge.close())
  const nextConnection = () =>
    new Promise<Channel>((resolve) => {
      waiting.push(resolve)
    })
  return { bridge, channels, nextConnection }
}

type Outcome = { ws: WebSocket } | { status: number }

function attempt(url: string, protocols?: string[], options: ClientOptions = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options)
    cleanups.push(() => ws.terminate())
    ws.once('open', () => resolve({ ws }))
    ws.once('unexpected-response', (req, res) => {
      res.resume()
      req.destroy()
      resolve({ status: res.statusCode ?? 0 })
    })
    ws.once('error', reject)
  })
}

async function connected(url: string, protocols?: string[], options?: ClientOptions) {
  const outcome = await attempt(url, protocols, options)
  assert.ok(
    'ws' in outcome,
    `expected a connection, got HTTP ${'status' in outcome ? outcome.status : '?'}`,
  )
  return outcome.ws
}

async function refused(url: string, protocols?: string[], options?: ClientOptions) {
  const outcome = await attempt(url, protocols, options)
  assert.ok('status' in outcome, 'expected the upgrade to be refused')
  return outcome.status
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(String(data))))
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)))
}

async function roundTrip(ws: WebSocket, text: string): Promise<void> {
  const reply = nextMessage(ws)
  ws.send(text)
  assert.equal(await reply, `echo:${text}`)
}

interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

function request(port: number, target: string, init: http.RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, ...init }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('bridge: who may connect', () => {
  test('B1 the right token in the query connects, and messages flow both ways', async () => {
    const { bridge, nextConnection } = await start()
    assert.match(bridge.url, /^ws:\/\/127\.0\.0\.1:\d+$/)
    const serverSide = nextConnection()
    const ws = await connected(`${bridge.url}/?token=${token}`)
    await serverSide
    await roundTrip(ws, 'hello')
  })

  test('B2 the right token as a subprotocol connects, and the server echoes that protocol', async () => {
    const { bridge } = await start()
    const ws = await connected(bridge.url, ['other', `hearth.${token}`])
    assert.equal(ws.protocol, `hearth.${token}`)
    await roundTrip(ws, 'hi')
  })

  test('B3 a wrong or missing token gets 401 and reaches no handler', async () => {
    const { bridge, channels } = await start()
    const wrong = newToken()
    assert.equal(await refused(bridge.url), 401)
    assert.equal(await refused(`${bridge.url}/?token=${wrong}`), 401)
    assert.equal(await refused(`${bridge.url}/?token=${token.slice(0, -1)}`), 401)
    assert.equal(await refused(`${bridge.url}/?token=`), 401)
    assert.equal(await refused(bridge.url, [`hearth.${wrong}`]), 401)
    assert.equal(await refused(bridge.url, [token]), 401, 'the bare token is not the subprotocol')
    assert.equal(channels.length, 0)
  })

  test('B4 a foreign Origin gets 403 even with the token; our own origins connect', async () => {
    const { bridge, channels } = await start()
    const url = `${bridge.url}/?token=${token}`
    for (const origin of [
      'http://evil.example',
      `http://evil.example:${bridge.port}`,
      `https://127.0.0.1:${bridge.port}`,
      `http://127.0.0.1:${bridge.port + 1}`,
      'null',
      'file://',
    ]) {
      assert.equal(await refused(url, undefined, { origin }), 403, origin)
    }
    assert.equal(channels.length, 0)
    await connected(url, undefined, { origin: `http://127.0.0.1:${bridge.port}` })
    await connected(url, undefined, { origin: `http://localhost:${bridge.port}` })
  })

  test('B5 a foreign Host header (DNS rebinding) gets 403', async () => {
    const { bridge } = await start()
    const status = await refused(`${bridge.url}/?token=${token}`, undefined, {
      headers: { Host: `rebind.example:${bridge.port}` },
    })
    assert.equal(status, 403)
  })

  test('B6 only loopback hosts are bound unless allowNonLoopback is set', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'example.com', '128.0.0.1']) {
      await assert.rejects(
        startBridge({ host, token, onConnection: () => undefined }),
        (err: unknown) =>
          err instanceof HearthError && err.code === 'BAD_INPUT' && err.message.includes(host),
      )
    }
    const { bridge } = await start({ host: '127.0.0.1' })
    assert.ok(bridge.port > 0)
  })

  test('B7 a weak token is refused at start', async () => {
    await assert.rejects(
      startBridge({ token: 'short', onConnection: () => undefined }),
      (err: unknown) => err instanceof HearthError && err.code === 'BAD_INPUT',
    )
  })

  test('B8 a path other than / gets 404', async () => {
    const { bridge } = await start()
    assert.equal(await refused(`${bridge.url}/other?token=${token}`), 404)
  })
})

describe('bridge: limits', () => {
  test('L1 an oversized frame closes that client only', async () => {
    const { bridge } = await start({ maxPayload: 64 * 1024 })
    const url = `${bridge.url}/?token=${token}`
    const big = await connected(url)
    const small = await connected(url)
    const bigClosed = closed(big)
    big.send('x'.repeat(64 * 1024 + 1))
    assert.equal(await bigClosed, 1009)
    await roundTrip(small, 'still here')
  })

  test('L2 the default cap is 1 MiB', async () => {
    const { bridge } = await start()
    const ws = await connected(`${bridge.url}/?token=${token}`)
    await roundTrip(ws, 'y'.repeat(1024 * 1024 - 64))
    const wsClosed = closed(ws)
    ws.send('y'.repeat(1024 * 1024 + 1))
    assert.equal(await wsClosed, 1009)
  })

  test('L3 clients beyond the cap get 503 until one leaves', async () => {
    const { bridge, nextConnection } = await start({ maxClients: 2 })
    const url = `${bridge.url}/?token=${token}`
    const first = nextConnection()
    const a = await connected(url)
    const firstChannel = await first
    await connected(url)
    assert.equal(await refused(url), 503)
    const gone = new Promise<void>((resolve) => firstChannel.onClose(resolve))
    a.close()
    await gone
    await roundTrip(await connected(url), 'room again')
  })

  test('L4 a handler that throws closes that client (1011) and the bridge keeps serving', async () => {
    let calls = 0
    const bridge = await startBridge({
      token,
      onConnection(channel) {
        calls += 1
        if (calls === 1) throw new Error('setup failed')
        channel.onMessage((text) => channel.send(`echo:${text}`))
      },
    })
    cleanups.push(() => bridge.close())
    const url = `${bridge.url}/?token=${token}`
    const first = await connected(url)
    assert.equal(await closed(first), 1011)
    await roundTrip(await connected(url), 'ok')
  })

  test('L6 a client that resets its connection is not logged as a failure', async (t) => {
    // Every `hearth` command exits right after its answer, resetting the socket; `serve` printed
    // "bridge: client socket failed: read ECONNRESET" for each one.
    const warn = t.mock.method(console, 'warn', () => {})
    const { bridge, nextConnection } = await start()
    const serverSide = nextConnection()
    const ws = await connected(`${bridge.url}/?token=${token}`)
    const channel = await serverSide
    const gone = new Promise<void>((resolve) => channel.onClose(resolve))
    ;(ws as unknown as { _socket: import('node:net').Socket })._socket.resetAndDestroy()
    await gone
    await roundTrip(await connected(`${bridge.url}/?token=${token}`), 'still serving')
    assert.deepEqual(
      warn.mock.calls.map((c) => String(c.arguments[0])),
      [],
      'nothing was logged',
    )
  })

  test('L5 close() closes every client and stops listening', async () => {
    const { bridge } = await start()
    const url = `${bridge.url}/?token=${token}`
    const clients = [await connected(url), await connected(url)]
    const codes = Promise.all(clients.map(closed))
    await bridge.close()
    assert.deepEqual(await codes, [1001, 1001])
    await assert.rejects(attempt(url), /ECONNREFUSED/)
    await bridge.close()
  })
})

describe('bridge: static files', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-bridge-'))
  cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }))
  const web = path.join(root, 'web')
  fs.mkdirSync(path.join(web, 'assets', 'sub'), { recursive: true })
  fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>Hearth</title>')
  fs.writeFileSync(path.join(web, 'assets', 'app.js'), 'console.log("hearth")')
  fs.writeFileSync(path.join(root, 'secret.txt'), 'TOP SECRET')
  fs.symlinkSync(path.join(root, 'secret.txt'), path.join(web, 'assets', 'link.txt'))

  test('W1 the page needs the token; with it, it comes with a strict CSP', async () => {
    const { bridge } = await start({ staticDir: web })
    assert.equal(bridge.webUrl, `http://127.0.0.1:${bridge.port}/?token=${token}`)
    assert.equal((await request(bridge.port, '/')).status, 401)
    assert.equal((await request(bridge.port, `/?token=${newToken()}`)).status, 401)
    assert.equal((await request(bridge.port, '/index.html')).status, 401)
    const page = await request(bridge.port, `/?token=${token}`)
    assert.equal(page.status, 200)
    assert.equal(page.body, '<!doctype html><title>Hearth</title>')
    assert.match(String(page.headers['content-type']), /^text\/html/)
    const csp = String(page.headers['content-security-policy'])
    assert.match(csp, /default-src 'none'/)
    assert.match(csp, /script-src 'self'/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
    assert.equal(page.headers['referrer-policy'], 'no-referrer')
    assert.equal(page.headers['x-content-type-options'], 'nosniff')
  })

  test('W2 assets are served with their type', async () => {
    const { bridge } = await start({ staticDir: web })
    const js = await request(bridge.port, '/assets/app.js')
    assert.equal(js.status, 200)
    assert.equal(js.body, 'console.log("hearth")')
    assert.match(String(js.headers['content-type']), /^text\/javascript/)
  })

  test('W3 traversal, absolute paths and symlinks out of the folder get 404', async () => {
    const { bridge } = await start({ staticDir: web })
    const secret = path.join(root, 'secret.txt')
    for (const target of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/..\\secret.txt',
      `/${secret}`,
      `/${encodeURIComponent(secret)}`,
      '//etc/passwd',
      '/%2fetc%2fpasswd',
      '/C:/Windows/win.ini',
      '/assets/link.txt',
      '/assets/app.js%00.html',
      '/%',
      '/assets',
      '/assets/sub/',
      '/missing.js',
    ]) {
      const reply = await request(bridge.port, `${target}?token=${token}`)
      assert.equal(reply.status, 404, target)
      assert.doesNotMatch(reply.body, /SECRET|root:/, target)
    }
  })

  test('W4 only GET and HEAD are served; without a folder nothing is', async () => {
    const { bridge } = await start({ staticDir: web })
    const post = await request(bridge.port, '/assets/app.js', { method: 'POST' })
    assert.equal(post.status, 405)
    const head = await request(bridge.port, '/assets/app.js', { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.body, '')
    const bare = await start()
    assert.equal(bare.bridge.webUrl, undefined)
    assert.equal((await request(bare.bridge.port, `/?token=${token}`)).status, 404)
  })

  test('W5 a foreign Host header gets 403 for files too', async () => {
    const { bridge } = await start({ staticDir: web })
    const reply = await request(bridge.port, `/?token=${token}`, {
      headers: { Host: `rebind.example:${bridge.port}` },
    })
    assert.equal(reply.status, 403)
  })
})

describe('bridge: downloads', () => {
  const ticket = 'T'.repeat(43)
  const hostile = '../../<img src=x onerror=alert(1)>\u202egnp.exe'

  async function withFile(name: string, bytes: Uint8Array) {
    const asked: string[] = []
    let handed = false
    return start({
      download: async (t) => {
        asked.push(t)
        if (t !== ticket || handed) return undefined
        handed = true
        return {
          name,
          size: bytes.length,
          body: (async function* () {
            yield bytes.subarray(0, 3)
            yield bytes.subarray(3)
          })(),
        }
      },
    }).then((s) => ({ ...s, asked }))
  }

  test('D1 a ticket downloads the file once, as an attachment with a safe name, never sniffed', async () => {
    const body = Buffer.from('<script>alert(1)</script>')
    const { bridge } = await withFile(hostile, body)
    const reply = await request(bridge.port, `/download/${ticket}`)
    assert.equal(reply.status, 200)
    assert.equal(reply.body, body.toString())
    assert.equal(reply.headers['content-type'], 'application/octet-stream')
    assert.equal(reply.headers['x-content-type-options'], 'nosniff')
    assert.equal(reply.headers['content-length'], String(body.length))
    assert.match(String(reply.headers['content-security-policy']), /sandbox/)
    const disposition = String(reply.headers['content-disposition'])
    assert.match(disposition, /^attachment; /)
    assert.equal(
      disposition,
      'attachment; filename="_img src=x onerror=alert(1)_gnp.exe"; ' +
        "filename*=UTF-8''_img%20src%3Dx%20onerror%3Dalert%281%29_gnp.exe",
    )
    assert.doesNotMatch(disposition, /\.\.|\/|\\|\u202e/)
    assert.equal((await request(bridge.port, `/download/${ticket}`)).status, 404, 'once only')
  })

  test('D2 unknown or malformed tickets, other methods and foreign hosts get nothing', async () => {
    const { bridge, asked } = await withFile('a.txt', Buffer.from('x'))
    for (const target of [
      '/download/',
      '/download/short',
      `/download/${ticket}/x`,
      `/download/${'%2e'.repeat(15)}`,
    ]) {
      assert.equal((await request(bridge.port, target)).status, 404, target)
    }
    assert.equal(
      (await request(bridge.port, `/download/${ticket}`, { method: 'HEAD' })).status,
      405,
    )
    const foreign = await request(bridge.port, `/download/${ticket}`, {
      headers: { Host: `rebind.example:${bridge.port}` },
    })
    assert.equal(foreign.status, 403)
    assert.deepEqual(asked, [], 'none of these reached the peer, nor used the ticket up')
    assert.equal((await request(bridge.port, `/download/${ticket}`)).status, 200)
  })
})
