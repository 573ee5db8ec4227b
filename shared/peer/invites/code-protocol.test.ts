// The code exchange between real libp2p nodes: memory transport, Noise, yamux, in one process.
import { describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { memory } from '@libp2p/memory'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Libp2p, Stream } from '@libp2p/interface'
import { HearthError, type ErrorCode } from '../../api/index.ts'
import {
  CODE_PROTOCOL,
  HELLO_BYTES,
  REPLY_BYTES,
  codeRunInputs,
  findAndRedeem,
  handleCodeProtocol,
  handleCodeStream,
  redeemCode,
  type CodeRunReport,
  type CodeServer,
} from './code-protocol.ts'
import { CODE_TTL_MS, CodeBook, MAX_CODE_ATTEMPTS } from './codes.ts'
import { CONFIRM_BYTES, SHARE_BYTES, startInitiator } from './cpace.ts'
import { FRAME_HEADER_BYTES, frameStream } from './frame-io.ts'
import { RunLimiter, type RunLimits } from './run-limiter.ts'

const T0 = 1_700_000_000_000
const INVITE = 'hearth-invite:{"group":"family","secret":"only-after-confirmation"}'
const utf8 = new TextEncoder()
/** Limits loose enough that only the tests about limits meet them. */
const ROOMY: Partial<RunLimits> = { perPeerPerWindow: 100, globalPerWindow: 1000 }

async function startNode(t: TestContext): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: [`/memory/hearth-code-${randomUUID()}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  })
  t.after(() => node.stop())
  return node
}

/** Hands out the inviter's run reports in order, each as soon as the run has ended. */
class Reports {
  readonly #queued: CodeRunReport[] = []
  readonly #waiting: Array<(r: CodeRunReport) => void> = []
  readonly push = (report: CodeRunReport) => {
    const waiter = this.#waiting.shift()
    if (waiter) waiter(report)
    else this.#queued.push(report)
  }
  next(): Promise<CodeRunReport> {
    const queued = this.#queued.shift()
    return queued ? Promise.resolve(queued) : new Promise((resolve) => this.#waiting.push(resolve))
  }
}

interface Setup {
  inviter: Libp2p
  joiner: Libp2p
  book: CodeBook
  reports: Reports
  clock: { now: number }
}

async function setup(t: TestContext, limits: Partial<RunLimits> = ROOMY): Promise<Setup> {
  const inviter = await startNode(t)
  const joiner = await startNode(t)
  await joiner.peerStore.merge(inviter.peerId, { multiaddrs: inviter.getMultiaddrs() })
  const clock = { now: T0 }
  const book = new CodeBook(() => clock.now)
  const reports = new Reports()
  await handleCodeProtocol(inviter, book, { limiter: new RunLimiter(limits), onRun: reports.push })
  return { inviter, joiner, book, reports, clock }
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof HearthError, `expected HearthError ${code}, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  })
}

/** A wrong code that differs from the right one in a single digit. */
function nearMiss(code: string): string {
  const last = Number(code.at(-1))
  return code.slice(0, -1) + String((last + 1) % 10)
}

/** Everything the far end sent until the stream ended, and how it ended. */
async function drain(stream: Stream): Promise<{ bytes: number; error?: Error }> {
  let bytes = 0
  try {
    for await (const chunk of stream) bytes += chunk.byteLength
    return { bytes }
  } catch (err) {
    return { bytes, error: err instanceof Error ? err : new Error(String(err)) }
  }
}

function frame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + body.length)
  new DataView(out.buffer).setUint16(0, body.length)
  out.set(body, FRAME_HEADER_BYTES)
  return out
}

describe('code protocol: redeeming', () => {
  test('the right code hands over the invite once, and the code is then used', async (t) => {
    const { inviter, joiner, book, reports } = await setup(t)
    const { code } = book.issue('family', INVITE, T0)
    assert.match(code, /^[0-9]{4}-[0-9]{4}$/)

    assert.equal(await redeemCode(joiner, inviter.peerId, code), INVITE)
    const report = await reports.next()
    assert.equal(report.outcome, 'redeemed')
    assert.equal(report.groupId, 'family')
    assert.equal(report.peerId, joiner.peerId.toString())
    assert.equal(book.state('family', T0), 'used')

    await rejectsWith(redeemCode(joiner, inviter.peerId, code), 'CODE_INVALID')
    assert.equal((await reports.next()).outcome, 'failed')
  })

  test('the code may be typed with spaces and full-width digits', async (t) => {
    const { inviter, joiner, book } = await setup(t)
    const { code } = book.issue('family', INVITE, T0)
    const fullWidth = [...code.replace('-', ' ')]
      .map((c) => (c === ' ' ? '\u3000' : String.fromCharCode(0xff10 + Number(c))))
      .join('')
    assert.equal(await redeemCode(joiner, inviter.peerId, fullWidth), INVITE)
  })

  test('a wrong code is CODE_INVALID and costs the code one attempt', async (t) => {
    const { inviter, joiner, book, reports } = await setup(t)
    const { code } = book.issue('family', INVITE, T0)
    await rejectsWith(redeemCode(joiner, inviter.peerId, nearMiss(code)), 'CODE_INVALID')
    assert.equal((await reports.next()).outcome, 'failed')
    assert.equal(book.attemptsLeft('family'), MAX_CODE_ATTEMPTS - 1)
    assert.equal(book.state('family', T0), 'live')
    assert.equal(await redeemCode(joiner, inviter.peerId, code), INVITE)
  })

  test(`${MAX_CODE_ATTEMPTS} wrong codes burn it: the right code fails afterwards`, async (t) => {
    const { inviter, joiner, book, reports } = await setup(t)
    const { code } = book.issue('family', INVITE, T0)
    for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) {
      await rejectsWith(redeemCode(joiner, inviter.peerId, nearMiss(code)), 'CODE_INVALID')
      assert.equal((await reports.next()).outcome, 'failed')
    }
    assert.equal(book.state('family', T0), 'burned')
    await rejectsWith(redeemCode(joiner, inviter.peerId, code), 'CODE_INVALID')
  })

  test('an expired code is refused', async (t) => {
    const { inviter, joiner, book, clock } = await setup(t)
    const { code, expiresAt } = book.issue('family', INVITE, T0)
    assert.equal(expiresAt, T0 + CODE_TTL_MS)
    clock.now = expiresAt
    await rejectsWith(redeemCode(joiner, inviter.peerId, code), 'CODE_INVALID')
  })

  test('a reissued code replaces the old one', async (t) => {
    const { inviter, joiner, book } = await setup(t)
    const old = book.issue('family', 'old invite', T0).code
    const fresh = book.issue('family', INVITE, T0).code
    await rejectsWith(redeemCode(joiner, inviter.peerId, old), 'CODE_INVALID')
    assert.equal(await redeemCode(joiner, inviter.peerId, fresh), INVITE)
  })

  test('codes of two groups are live together; each hands over its own invite', async (t) => {
    const { inviter, joiner, book } = await setup(t)
    const a = book.issue('family', 'invite for family', T0).code
    const b = book.issue('friends', 'invite for friends', T0).code
    assert.equal(await redeemCode(joiner, inviter.peerId, b), 'invite for friends')
    assert.equal(await redeemCode(joiner, inviter.peerId, a), 'invite for family')
  })

  test('text that is not a code is BAD_INPUT, before any dial', async (t) => {
    const { inviter, joiner } = await setup(t)
    await rejectsWith(redeemCode(joiner, inviter.peerId, '1234-567'), 'BAD_INPUT')
    await rejectsWith(findAndRedeem(joiner, [inviter.peerId], 'hello'), 'BAD_INPUT')
    assert.equal(joiner.getConnections(inviter.peerId).length, 0)
  })

  test('a relay in the middle gets nothing: the run is bound to both peer ids', async (t) => {
    const { inviter, book, reports } = await setup(t)
    const relay = await startNode(t)
    const joiner = await startNode(t)
    await relay.peerStore.merge(inviter.peerId, { multiaddrs: inviter.getMultiaddrs() })
    await joiner.peerStore.merge(relay.peerId, { multiaddrs: relay.getMultiaddrs() })
    // The relay forwards every byte both ways, unchanged.
    await relay.handle(CODE_PROTOCOL, async (inbound) => {
      const outbound = await relay.dialProtocol(inviter.peerId, CODE_PROTOCOL)
      for (const [from, to] of [
        [inbound, outbound],
        [outbound, inbound],
      ] as const) {
        from.addEventListener('message', (e) => to.send(e.data))
        from.addEventListener('remoteCloseWrite', () => void to.close().catch(to.abort.bind(to)))
        from.addEventListener('close', (e) => (e.error ? to.abort(e.error) : undefined))
      }
    })
    const { code } = book.issue('family', INVITE, T0)
    await rejectsWith(redeemCode(joiner, relay.peerId, code), 'CODE_INVALID')
    const report = await reports.next()
    assert.equal(report.outcome, 'failed')
    assert.equal(report.peerId, relay.peerId.toString())
    assert.equal(book.attemptsLeft('family'), MAX_CODE_ATTEMPTS - 1)
  })
})

describe('code protocol: the inviter reveals nothing before the joiner proves the code', () => {
  /** Serves the protocol through a stream wrapper that logs every frame-level byte, in order. */
  async function instrumented(t: TestContext) {
    const inviter = await startNode(t)
    const joiner = await startNode(t)
    await joiner.peerStore.merge(inviter.peerId, { multiaddrs: inviter.getMultiaddrs() })
    const book = new CodeBook(() => T0)
    const reports = new Reports()
    const log: Array<{ dir: 'in' | 'out'; bytes: Uint8Array }> = []
    const server: CodeServer = {
      localPeerId: inviter.peerId.toString(),
      codeBook: book,
      limiter: new RunLimiter(ROOMY),
      onRun: reports.push,
    }
    await inviter.handle(CODE_PROTOCOL, (stream, connection) => {
      stream.addEventListener('message', (e) => log.push({ dir: 'in', bytes: e.data.subarray() }))
      const send = stream.send.bind(stream)
      stream.send = (data) => {
        log.push({ dir: 'out', bytes: data.subarray() })
        return send(data)
      }
      return handleCodeStream(stream, connection.remotePeer.toString(), server)
    })
    return { inviter, joiner, book, reports, log }
  }

  const sent = (log: Array<{ dir: 'in' | 'out'; bytes: Uint8Array }>) =>
    log.filter((e) => e.dir === 'out').reduce((n, e) => n + e.bytes.length, 0)

  test('a full run: the sealed invite is sent only after the confirmation arrived', async (t) => {
    const { inviter, joiner, book, reports, log } = await instrumented(t)
    const { code } = book.issue('family', INVITE, T0)
    assert.equal(await redeemCode(joiner, inviter.peerId, code), INVITE)
    assert.equal((await reports.next()).outcome, 'redeemed')

    // Merge adjacent chunks in the same direction: the transport may split frames.
    const turns: Array<{ dir: 'in' | 'out'; length: number }> = []
    for (const e of log) {
      const last = turns.at(-1)
      if (last?.dir === e.dir) last.length += e.bytes.length
      else turns.push({ dir: e.dir, length: e.bytes.length })
    }
    const sealedLength = FRAME_HEADER_BYTES + utf8.encode(INVITE).length + 28
    assert.deepEqual(turns, [
      { dir: 'in', length: FRAME_HEADER_BYTES + HELLO_BYTES },
      { dir: 'out', length: FRAME_HEADER_BYTES + REPLY_BYTES },
      { dir: 'in', length: FRAME_HEADER_BYTES + CONFIRM_BYTES },
      { dir: 'out', length: sealedLength },
    ])
    const everything = Buffer.concat(log.filter((e) => e.dir === 'out').map((e) => e.bytes))
    assert.equal(everything.indexOf('only-after-confirmation'), -1, 'the invite travels sealed')
  })

  test('right code, wrong confirmation: only the fixed-size reply is ever sent', async (t) => {
    const { inviter, joiner, book, reports, log } = await instrumented(t)
    const { code } = book.issue('family', INVITE, T0)
    const stream = await joiner.dialProtocol(inviter.peerId, CODE_PROTOCOL)
    const io = frameStream(stream, 4096)
    const sid = crypto.getRandomValues(new Uint8Array(16))
    const ids = { joiner: joiner.peerId.toString(), inviter: inviter.peerId.toString() }
    const run = startInitiator(codeRunInputs(code.replace('-', ''), sid, ids))
    await io.write(new Uint8Array([...sid, ...run.share]), AbortSignal.timeout(5000))
    const reply = await io.read(REPLY_BYTES, AbortSignal.timeout(5000))
    assert.equal(reply.length, REPLY_BYTES)
    await io.write(crypto.getRandomValues(new Uint8Array(CONFIRM_BYTES)), AbortSignal.timeout(5000))

    const report = await reports.next()
    assert.equal(report.outcome, 'failed')
    assert.match(report.reason ?? '', /CODE_INVALID|did not prove/)
    assert.equal(sent(log), FRAME_HEADER_BYTES + REPLY_BYTES)
    assert.equal(book.state('family', T0), 'live', 'not handed over')
    stream.abort(new Error('test done'))
  })

  test('a joiner that hangs up after the reply gets nothing more, and spent its attempt', async (t) => {
    const { inviter, joiner, book, reports, log } = await instrumented(t)
    const { code } = book.issue('family', INVITE, T0)
    const stream = await joiner.dialProtocol(inviter.peerId, CODE_PROTOCOL)
    const io = frameStream(stream, 4096)
    const sid = crypto.getRandomValues(new Uint8Array(16))
    const ids = { joiner: joiner.peerId.toString(), inviter: inviter.peerId.toString() }
    const run = startInitiator(codeRunInputs(code.replace('-', ''), sid, ids))
    await io.write(new Uint8Array([...sid, ...run.share]), AbortSignal.timeout(5000))
    await io.read(REPLY_BYTES, AbortSignal.timeout(5000))
    await stream.close()

    assert.equal((await reports.next()).outcome, 'failed')
    assert.equal(sent(log), FRAME_HEADER_BYTES + REPLY_BYTES)
    assert.equal(book.attemptsLeft('family'), MAX_CODE_ATTEMPTS - 1)
  })

  test('the reply has the same size whether 0, 1 or 2 codes are live', async (t) => {
    const { inviter, joiner, book, reports, log } = await instrumented(t)
    const sizes: number[] = []
    for (const group of [undefined, 'family', 'friends']) {
      if (group) book.issue(group, INVITE, T0)
      log.length = 0
      await rejectsWith(redeemCode(joiner, inviter.peerId, '0000-0000'), 'CODE_INVALID')
      await reports.next()
      sizes.push(sent(log))
    }
    assert.deepEqual(
      sizes,
      [1, 2, 3].map(() => FRAME_HEADER_BYTES + REPLY_BYTES),
    )
  })
})

describe('code protocol: hostile joiners', () => {
  /** Opens a raw stream, sends bytes, and returns what came back and the inviter's report. */
  async function raw(s: Setup, bytes: Uint8Array, end: 'close' | 'keep' = 'close') {
    const stream = await s.joiner.dialProtocol(s.inviter.peerId, CODE_PROTOCOL)
    stream.send(bytes)
    if (end === 'close') await stream.close()
    const [report, received] = await Promise.all([s.reports.next(), drain(stream)])
    return { report, received, stream }
  }

  const identityShare = new Uint8Array(SHARE_BYTES)
  const cases: Array<[string, () => Uint8Array]> = [
    ['an empty frame', () => frame(new Uint8Array(0))],
    ['a short hello', () => frame(new Uint8Array(10))],
    [
      'a hello whose share is the identity',
      () => frame(new Uint8Array([...new Uint8Array(16), ...identityShare])),
    ],
    [
      'a hello whose share is not a canonical encoding',
      () => frame(new Uint8Array([...new Uint8Array(16), ...new Uint8Array(32).fill(0xff)])),
    ],
    ['a frame claiming 65535 bytes', () => new Uint8Array([0xff, 0xff, 1, 2, 3])],
    ['a truncated hello', () => new Uint8Array([0, HELLO_BYTES, 1, 2, 3])],
    ['a single byte', () => new Uint8Array([7])],
    ['64 KiB of 0xff', () => new Uint8Array(64 * 1024).fill(0xff)],
    ['random bytes', () => crypto.getRandomValues(new Uint8Array(4096))],
  ]
  for (const [what, bytes] of cases) {
    test(`${what}: the stream is aborted, no attempt is spent, the next joiner is served`, async (t) => {
      const s = await setup(t)
      const { code } = s.book.issue('family', INVITE, T0)
      const { report, received } = await raw(s, bytes())
      assert.equal(report.outcome, 'failed')
      assert.equal(received.bytes, 0, 'nothing was sent back')
      assert.equal(s.book.attemptsLeft('family'), MAX_CODE_ATTEMPTS)
      assert.equal(await redeemCode(s.joiner, s.inviter.peerId, code), INVITE)
    })
  }

  test('a second run from a peer while its first is open is refused as RATE_LIMITED', async (t) => {
    const s = await setup(t, { perPeerConcurrent: 1, perPeerPerWindow: 100 })
    const { code } = s.book.issue('family', INVITE, T0)
    // A first run that got its reply and then sits there: the inviter is inside it.
    const holding = await s.joiner.dialProtocol(s.inviter.peerId, CODE_PROTOCOL)
    const io = frameStream(holding, 4096)
    const sid = crypto.getRandomValues(new Uint8Array(16))
    const ids = { joiner: s.joiner.peerId.toString(), inviter: s.inviter.peerId.toString() }
    const run = startInitiator(codeRunInputs('00000000', sid, ids))
    await io.write(new Uint8Array([...sid, ...run.share]), AbortSignal.timeout(5000))
    await io.read(REPLY_BYTES, AbortSignal.timeout(5000))

    await rejectsWith(redeemCode(s.joiner, s.inviter.peerId, code), 'RATE_LIMITED')
    assert.equal((await s.reports.next()).outcome, 'rate-limited')
    holding.abort(new Error('test done'))
    assert.equal((await s.reports.next()).outcome, 'failed')
    assert.equal(await redeemCode(s.joiner, s.inviter.peerId, code), INVITE)
  })

  test('runs per peer per window are capped', async (t) => {
    const s = await setup(t, { perPeerPerWindow: 2 })
    s.book.issue('family', INVITE, T0)
    for (let i = 0; i < 2; i++) {
      await rejectsWith(redeemCode(s.joiner, s.inviter.peerId, '0000-0000'), 'CODE_INVALID')
      await s.reports.next()
    }
    await rejectsWith(redeemCode(s.joiner, s.inviter.peerId, '0000-0000'), 'RATE_LIMITED')
  })
})

describe('code protocol: finding the inviter on the LAN', () => {
  test('tries candidates in turn until one hands over the invite', async (t) => {
    const { inviter, joiner, book } = await setup(t)
    const bystander = await startNode(t)
    const bystanderBook = new CodeBook(() => T0)
    await handleCodeProtocol(bystander, bystanderBook)
    await joiner.peerStore.merge(bystander.peerId, { multiaddrs: bystander.getMultiaddrs() })
    bystanderBook.issue('other group', 'other invite', T0)
    const { code } = book.issue('family', INVITE, T0)

    const invite = await findAndRedeem(
      joiner,
      [joiner.peerId, bystander.peerId, inviter.peerId],
      code,
    )
    assert.equal(invite, INVITE)
    // The price of not knowing who issued the code: the bystander's code lost one attempt.
    assert.equal(bystanderBook.attemptsLeft('other group'), MAX_CODE_ATTEMPTS - 1)
  })

  test('skips peers that cannot be reached', async (t) => {
    const { inviter, joiner, book } = await setup(t)
    const nowhere = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const { code } = book.issue('family', INVITE, T0)
    const signal = AbortSignal.timeout(20_000)
    assert.equal(await findAndRedeem(joiner, [nowhere, inviter.peerId], code, { signal }), INVITE)
  })

  test('a code nobody holds is CODE_INVALID; nobody to ask is NO_MEMBER_REACHABLE', async (t) => {
    const { inviter, joiner, book } = await setup(t)
    const { code } = book.issue('family', INVITE, T0)
    await rejectsWith(findAndRedeem(joiner, [inviter.peerId], nearMiss(code)), 'CODE_INVALID')
    await rejectsWith(findAndRedeem(joiner, [], code), 'NO_MEMBER_REACHABLE')
    const nowhere = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    await rejectsWith(findAndRedeem(joiner, [nowhere], code), 'NO_MEMBER_REACHABLE')
  })
})
