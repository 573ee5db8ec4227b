// connect()'s Electron branch against a stand-in for the preload: a window that has `hearth`, and
// ports posted to it the way the preload posts them. Node's own MessageChannel plays the
// MessagePort the main process brokers; a validating RPC server sits on the other end.
import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { MessageChannel } from 'node:worker_threads'
import type { Handlers } from '../../shared/api/contract.ts'
import { HearthError } from '../../shared/api/errors.ts'
import { portChannel } from '../../shared/rpc/port-channel.ts'
import { serveApi } from '../../shared/rpc/server.ts'
import { connect } from './connect.ts'
import { PORT_MESSAGE, type DesktopApi, type HostStatus } from './desktop-api.ts'

const PEER = '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'

function handlers(name: string): Handlers {
  const notUsed = async (): Promise<never> => {
    throw new HearthError('INTERNAL', 'not used in this test')
  }
  const base = new Proxy({} as Handlers, { get: () => notUsed })
  return Object.assign(Object.create(base) as Handlers, {
    'identity.get': async () => ({ peerId: PEER, name }),
  } satisfies Partial<Handlers>)
}

interface FakeDesktop {
  api: DesktopApi
  opened: string[]
  setStatus(status: HostStatus): void
}

/** A window with `hearth`, posting each requested port as the preload does (after a decoy). */
function fakeWindow(): FakeDesktop {
  const win = new EventTarget()
  const statusListeners = new Set<(status: HostStatus) => void>()
  const opened: string[] = []
  let nextId = 1
  const post = (data: unknown, source: unknown, port: unknown) =>
    win.dispatchEvent(Object.assign(new Event('message'), { data, source, ports: [port] }))
  const api: DesktopApi = {
    requestPort() {
      const requestId = nextId++
      queueMicrotask(() => {
        const { port1, port2 } = new MessageChannel()
        serveApi(portChannel(port1), handlers(`peer for request ${requestId}`))
        // Neither a port for another request nor one posted by a stranger may be taken.
        const decoy = new MessageChannel()
        post({ type: PORT_MESSAGE, requestId: requestId + 100 }, win, decoy.port1)
        post({ type: PORT_MESSAGE, requestId }, { not: 'the window' }, decoy.port2)
        post({ type: PORT_MESSAGE, requestId }, win, port2)
        decoy.port1.close()
      })
      return requestId
    },
    openFiles: async () => [],
    saveFile: async () => null,
    revealInFolder: async () => {},
    openExternal: async (url) => {
      opened.push(url)
      return true
    },
    setViewedGroup: () => {},
    onHostStatus(listener) {
      statusListeners.add(listener)
      return () => statusListeners.delete(listener)
    },
    onOpenMessage: () => () => {},
  }
  Object.assign(win, { hearth: api })
  Object.assign(globalThis, { window: win })
  return {
    api,
    opened,
    setStatus: (status) => {
      for (const listener of [...statusListeners]) listener(status)
    },
  }
}

describe('connect() in the desktop app', () => {
  afterEach(() => {
    Reflect.deleteProperty(globalThis, 'window')
  })

  test('gets its own port from the preload and talks to the peer over it', async () => {
    const desktop = fakeWindow()
    const [a, b] = await Promise.all([connect(), connect()])
    assert.deepEqual(await a.client.call('identity.get', {}), {
      peerId: PEER,
      name: 'peer for request 1',
    })
    assert.equal((await b.client.call('identity.get', {})).name, 'peer for request 2')
    assert.equal(a.desktop, desktop.api, 'native services are there for the UI')
    a.client.close()
    b.client.close()
  })

  test('links go through the native confirmation in the main process', async () => {
    const desktop = fakeWindow()
    const platform = await connect()
    platform.openExternal('https://example.com/')
    await Promise.resolve()
    assert.deepEqual(desktop.opened, ['https://example.com/'])
    platform.client.close()
  })

  test('when the peer process crashes the client closes instead of waiting', async () => {
    const desktop = fakeWindow()
    const platform = await connect()
    desktop.setStatus({ state: 'starting', restarts: 0 })
    desktop.setStatus({ state: 'running', restarts: 0 })
    assert.equal((await platform.client.call('identity.get', {})).peerId, PEER)
    desktop.setStatus({ state: 'crashed', restarts: 1, retryInMs: 500, lastError: 'boom' })
    await platform.client.closed
    await assert.rejects(platform.client.call('identity.get', {}), { code: 'PEER_STOPPED' })
  })
})
