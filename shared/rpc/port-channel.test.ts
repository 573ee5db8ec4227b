import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import type { Handlers } from '../api/contract.ts'
import { HearthError } from '../api/errors.ts'
import type { Channel } from './channel.ts'
import { createClient } from './client.ts'
import { portChannel, type EmitterPort } from './port-channel.ts'
import { serveApi } from './server.ts'

const PEER = '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'

/** Electron's MessagePortMain shape (an emitter handing listeners an event), over a Node port. */
function emitterShaped(port: MessagePort): EmitterPort {
  return {
    postMessage: (message) => port.postMessage(message),
    start: () => port.start(),
    close: () => port.close(),
    on(type: 'message' | 'close', listener: (event: { data: unknown }) => void) {
      if (type === 'message') port.on('message', (data: unknown) => listener({ data }))
      else port.on('close', () => listener({ data: undefined }))
      return this
    },
  }
}

function nextMessage(channel: Channel): Promise<string> {
  return new Promise((resolve) => {
    const off = channel.onMessage((text) => {
      off()
      resolve(text)
    })
  })
}

function closed(channel: Channel): Promise<void> {
  return new Promise((resolve) => channel.onClose(resolve))
}

function fakeHandlers(overrides: Partial<Handlers>): Handlers {
  const notUsed = async (): Promise<never> => {
    throw new HearthError('INTERNAL', 'not used in this test')
  }
  const base = new Proxy({} as Handlers, { get: () => notUsed })
  return Object.assign(Object.create(base) as Handlers, overrides)
}

describe('portChannel', () => {
  for (const shape of ['event-target', 'emitter'] as const) {
    const wrap = (port: MessagePort) =>
      portChannel(shape === 'emitter' ? emitterShaped(port) : port)

    test(`${shape} port: text frames arrive in order, both ways`, async () => {
      const { port1, port2 } = new MessageChannel()
      const a = wrap(port1)
      const b = wrap(port2)
      const got: string[] = []
      const three = new Promise<void>((resolve) =>
        b.onMessage((text) => {
          got.push(text)
          if (got.length === 3) resolve()
        }),
      )
      a.send('one')
      a.send('two')
      a.send('three')
      await three
      assert.deepEqual(got, ['one', 'two', 'three'])
      const back = nextMessage(a)
      b.send('reply')
      assert.equal(await back, 'reply')
      a.close()
      await closed(b)
    })

    test(`${shape} port: closing one end closes the other, and sending then fails`, async () => {
      const { port1, port2 } = new MessageChannel()
      const a = wrap(port1)
      const b = wrap(port2)
      let aClosed = 0
      a.onClose(() => aClosed++)
      const bClosed = closed(b)
      a.close()
      a.close()
      await bClosed
      assert.equal(aClosed, 1, 'the closing side hears of it once')
      assert.throws(() => a.send('late'), /closed/)
      assert.throws(() => b.send('late'), /closed/)
    })
  }

  test('anything but text is dropped and later text still arrives', async () => {
    const { port1, port2 } = new MessageChannel()
    const b = portChannel(port2)
    const got: string[] = []
    const arrived = new Promise<void>((resolve) =>
      b.onMessage((text) => {
        got.push(text)
        resolve()
      }),
    )
    port1.postMessage({ t: 'req', id: 1, cmd: 'groups.list', input: {} })
    port1.postMessage(new Uint8Array([1, 2, 3]))
    port1.postMessage('after')
    await arrived
    assert.deepEqual(got, ['after'])
    port1.close()
    await closed(b)
  })

  test('the RPC client and server talk over it; closing rejects calls in flight', async () => {
    const { port1, port2 } = new MessageChannel()
    let release: () => void = () => {}
    serveApi(
      portChannel(port1),
      fakeHandlers({
        'identity.get': async () => ({ peerId: PEER, name: 'Minsu' }),
        'groups.list': () => new Promise((resolve) => (release = () => resolve([]))),
      }),
      (emit) => {
        queueMicrotask(() => emit('peerConnected', { peerId: PEER }))
        return () => {}
      },
    )
    const client = createClient(portChannel(port2))
    const event = new Promise((resolve) => client.on('peerConnected', resolve))
    assert.deepEqual(await client.call('identity.get', {}), { peerId: PEER, name: 'Minsu' })
    assert.deepEqual(await event, { peerId: PEER })

    const inFlight = client.call('groups.list', {})
    // The server side goes away (the core host crashed): the client must not wait forever.
    port1.close()
    await assert.rejects(inFlight, { code: 'PEER_STOPPED' })
    await client.closed
    release()
  })
})
