import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { EventName, EventPayload, Handlers } from '../api/contract.ts'
import { HearthError } from '../api/errors.ts'
import { createClient, memoryChannelPair, serveApi } from './index.ts'

const PEER = '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'

function fakeHandlers(overrides: Partial<Handlers> = {}): Handlers {
  const notUsed = async (): Promise<never> => {
    throw new HearthError('INTERNAL', 'not used in this test')
  }
  const base = new Proxy({} as Handlers, { get: () => notUsed })
  return Object.assign(Object.create(base) as Handlers, overrides)
}

function connect(handlers: Handlers, subscribe?: Parameters<typeof serveApi>[2]) {
  const [serverSide, clientSide] = memoryChannelPair()
  serveApi(serverSide, handlers, subscribe)
  return createClient(clientSide)
}

describe('rpc', () => {
  test('a command reaches its handler with the validated input and returns its output', async () => {
    const seen: unknown[] = []
    const client = connect(
      fakeHandlers({
        'identity.setName': async (input) => {
          seen.push(input)
          return { peerId: PEER, name: input.name }
        },
      }),
    )
    const out = await client.call('identity.setName', { name: '  Minsu  ' })
    assert.deepEqual(out, { peerId: PEER, name: 'Minsu' })
    assert.deepEqual(seen, [{ name: 'Minsu' }], 'the handler sees the trimmed, validated input')
    client.close()
  })

  test('bad input is refused with BAD_INPUT naming the field, and the handler never runs', async () => {
    let ran = false
    const client = connect(
      fakeHandlers({
        'messages.send': async () => {
          ran = true
          return { messageId: 'a'.repeat(26) }
        },
      }),
    )
    await assert.rejects(
      client.call('messages.send', { group: 'g', text: '' }),
      (err: unknown) =>
        err instanceof HearthError && err.code === 'BAD_INPUT' && /text/.test(err.message),
    )
    await assert.rejects(
      client.call('messages.send', { group: 'g', text: 'x'.repeat(64 * 1024 + 1) }),
      (err: unknown) => err instanceof HearthError && err.code === 'BAD_INPUT',
    )
    assert.equal(ran, false)
    client.close()
  })

  test('an unknown command is refused with UNKNOWN_COMMAND', async () => {
    const client = connect(fakeHandlers())
    await assert.rejects(
      // A newer client talking to an older peer: the name is not in this contract.
      client.call('nope.never' as 'status.get', {}),
      (err: unknown) => err instanceof HearthError && err.code === 'UNKNOWN_COMMAND',
    )
    client.close()
  })

  test('a handler error keeps its code; any other throw becomes INTERNAL', async () => {
    const client = connect(
      fakeHandlers({
        'groups.leave': async () => {
          throw new HearthError('GROUP_NOT_FOUND', 'there is no group "x"')
        },
        'groups.list': async () => {
          throw new TypeError('boom')
        },
      }),
    )
    await assert.rejects(client.call('groups.leave', { group: 'x' }), {
      code: 'GROUP_NOT_FOUND',
      message: 'there is no group "x"',
    })
    await assert.rejects(client.call('groups.list', {}), { code: 'INTERNAL', message: 'boom' })
    client.close()
  })

  test('events reach subscribers until they unsubscribe', async () => {
    let emit: (<K extends EventName>(name: K, payload: EventPayload<K>) => void) | undefined
    const client = connect(fakeHandlers(), (e) => {
      emit = e
      return () => (emit = undefined)
    })
    const got: string[] = []
    const off = client.on('peerConnected', (p) => got.push(p.peerId))
    const first = new Promise<void>((resolve) => client.on('peerConnected', () => resolve()))
    emit?.('peerConnected', { peerId: PEER })
    await first
    off()
    emit?.('peerConnected', { peerId: PEER })
    await new Promise<void>((resolve) => queueMicrotask(resolve))
    assert.deepEqual(got, [PEER])
    client.close()
  })

  test('closing the channel rejects calls in flight with PEER_STOPPED', async () => {
    let release: () => void = () => {}
    const client = connect(
      fakeHandlers({
        'groups.list': () => new Promise((resolve) => (release = () => resolve([]))),
      }),
    )
    const inFlight = client.call('groups.list', {})
    client.close()
    await assert.rejects(inFlight, { code: 'PEER_STOPPED' })
    await client.closed
    await assert.rejects(client.call('groups.list', {}), { code: 'PEER_STOPPED' })
    release()
  })

  test('a reply too large for a frame becomes TOO_LARGE instead of a call that never ends', async () => {
    const client = connect(
      fakeHandlers({
        'identity.get': async () => ({ peerId: PEER, name: 'x'.repeat(9 * 1024 * 1024) }),
      }),
    )
    await assert.rejects(client.call('identity.get', {}), { code: 'TOO_LARGE' })
    client.close()
  })

  test('garbage frames from a client are dropped and the server keeps serving', async () => {
    const [serverSide, clientSide] = memoryChannelPair()
    serveApi(
      serverSide,
      fakeHandlers({ 'identity.get': async () => ({ peerId: PEER, name: 'A' }) }),
    )
    clientSide.send('not json')
    clientSide.send(JSON.stringify({ t: 'req', id: -1, cmd: 5 }))
    const client = createClient(clientSide)
    assert.deepEqual(await client.call('identity.get', {}), { peerId: PEER, name: 'A' })
    client.close()
  })
})
