import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { BatchChains, type ChainLink } from './chain.ts'
import type { MsgEntry } from './entries.ts'
import { GroupReplica } from './replica.ts'
import type { Signer } from './signing.ts'
import {
  countingVerify,
  entriesUpdate,
  idOf,
  join,
  makeSigners,
  ManualTime,
  options,
  pull,
  signMsg,
} from './testing.ts'

const [founder, bob, carol] = (await makeSigners(3)) as [Signer, Signer, Signer]

describe('chains: heads and coverage within a batch', () => {
  const link = (id: string, prev: string | null, author = 'A'): ChainLink => ({ id, author, prev })

  test('a linear chain has one head, and vouching for it covers every entry', () => {
    const chains = new BatchChains([link('a', null), link('b', 'a'), link('c', 'b')])
    assert.deepEqual(chains.heads(), [2])
    chains.vouch(2)
    assert.deepEqual(
      [0, 1, 2].map((i) => chains.isCovered(i)),
      [true, true, true],
    )
  })

  test('a fork has a head per branch; each covers its own branch and the shared part', () => {
    const chains = new BatchChains([
      link('a', null),
      link('b1', 'a'),
      link('b2', 'a'),
      link('c1', 'b1'),
    ])
    assert.deepEqual(chains.heads(), [2, 3])
    chains.vouch(3)
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => chains.isCovered(i)),
      [true, true, false, true],
    )
    chains.vouch(2)
    assert.ok(chains.isCovered(2))
  })

  test("a link to another author's entry, or to one outside the batch, ends the chain", () => {
    const chains = new BatchChains([
      link('x', null, 'B'),
      link('y', 'x', 'A'),
      link('z', 'missing', 'A'),
    ])
    assert.deepEqual(chains.heads(), [0, 1, 2])
    chains.vouch(1)
    assert.deepEqual(
      [0, 1, 2].map((i) => chains.isCovered(i)),
      [false, true, false],
    )
  })

  test('links are the same whatever order entries are added in, and naming is reported', () => {
    const named: number[] = []
    const chains = new BatchChains(
      [link('c', 'b'), link('x', 'b', 'B'), link('b', 'a'), link('a', null)],
      (i) => named.push(i),
    )
    assert.deepEqual(chains.heads(), [0, 1])
    assert.deepEqual(named.sort(), [2, 3])
    chains.vouch(0)
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => chains.isCovered(i)),
      [true, false, true, true],
    )
  })

  test('entries that only name each other have no head, so validation refuses them', () => {
    // Ids are hashes, so a real cycle cannot be built; validation must not depend on that.
    const chains = new BatchChains([link('a', 'b'), link('b', 'a')])
    assert.deepEqual(chains.heads(), [])
    assert.equal(chains.isCovered(0) || chains.isCovered(1), false)
  })
})

/** Founder's replica `a` (counting signature checks) and Bob's replica `b`, in sync. */
async function setup() {
  const time = new ManualTime()
  const counter = countingVerify()
  const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder', counter.verify))
  time.now += 1000
  const b = await join(a, a, bob, time)
  await pull(a, b)
  time.now += 1000
  return { a, b, time, counter }
}

/** Everything observable about a replica: must not move when an update is refused. */
function fingerprint(r: GroupReplica): string {
  return JSON.stringify([Buffer.from(r.snapshot()).toString('base64'), r.messages(1000)])
}

/** `n` messages by `signer`, each naming the one before; the first names none. */
function chainOf(signer: Signer, r: GroupReplica, time: ManualTime, n: number) {
  const out: { map: 'msgs'; id: string; entry: MsgEntry }[] = []
  let last: string | null = null
  for (let i = 0; i < n; i++) {
    const m = signMsg(signer, r.groupId, { ts: ++time.now, text: `c${i}`, prev: last })
    out.push({ map: 'msgs', ...m })
    last = m.id
  }
  return out
}

/** The entry with its signature swapped for another valid-looking one, stored under its new id. */
function badlySigned(e: { id: string; entry: MsgEntry }, sigFrom: { entry: MsgEntry }) {
  const entry = { ...e.entry, sig: sigFrom.entry.sig }
  return { map: 'msgs' as const, id: idOf('msgs', entry), entry }
}

describe('chains: validation', () => {
  test("one author's 200 entries cost exactly one signature check; two authors, two", async () => {
    const { a, b, time, counter } = await setup()
    for (let i = 0; i < 200; i++) b.sendMessage(`m${i}`)
    let before = counter.calls()
    await pull(a, b)
    assert.equal(counter.calls() - before, 1)
    assert.equal(a.messageCount(), 200)

    const c = await join(a, a, carol, time)
    await pull(b, a)
    for (let i = 0; i < 100; i++) (i % 2 === 0 ? b : c).sendMessage(`n${i}`)
    await pull(b, c)
    before = counter.calls()
    await pull(a, b)
    assert.equal(counter.calls() - before, 2)
    assert.equal(a.messageCount(), 300)
  })

  test('a forged entry in the middle of a chain is checked on its own and rejected', async () => {
    const { a, time, counter } = await setup()
    const [e1, e2, e3] = chainOf(bob, a, time, 3)
    assert.ok(e1 && e2 && e3)
    const forged = { ...e2.entry, text: 'forged' }
    const before = fingerprint(a)
    // Its changed bytes change its id, so e3's link no longer reaches it: nothing vouches for
    // it, and its own signature fails.
    const result = await a.applyRemote(
      entriesUpdate([e1, { map: 'msgs', id: idOf('msgs', forged), entry: forged }, e3]),
      'attacker',
    )
    assert.deepEqual(result, { kind: 'rejected', reason: 'msgs entry: bad signature' })
    assert.equal(fingerprint(a), before)
    // Left under its old id, the forgery fails the id check before any signature is checked.
    const underOldId = await a.applyRemote(
      entriesUpdate([e1, { map: 'msgs', id: e2.id, entry: forged }, e3]),
      'attacker',
    )
    assert.equal(underOldId.kind, 'rejected')
    assert.equal(fingerprint(a), before)
    // The genuine chain goes in with a single check.
    const genuineBefore = counter.calls()
    assert.equal((await a.applyRemote(entriesUpdate([e1, e2, e3]), 'bob')).kind, 'applied')
    assert.equal(counter.calls() - genuineBefore, 1)
  })

  test('a head with a bad signature rejects the whole update', async () => {
    const { a, time } = await setup()
    const chain = chainOf(bob, a, time, 5)
    const head = chain[4]
    assert.ok(head && chain[3])
    const before = fingerprint(a)
    const result = await a.applyRemote(
      entriesUpdate([...chain.slice(0, 4), badlySigned(head, chain[3])]),
      'attacker',
    )
    assert.deepEqual(result, { kind: 'rejected', reason: 'msgs entry: bad signature' })
    assert.equal(fingerprint(a), before, 'nothing the bad head vouched for got in')
  })

  test('a middle entry replaced by another validly signed one (a fork) is accepted', async () => {
    const { a, time, counter } = await setup()
    const [e1, e2, e3] = chainOf(bob, a, time, 3)
    assert.ok(e1 && e2 && e3)
    const other = signMsg(bob, a.groupId, { ts: ++time.now, text: 'other branch', prev: e1.id })
    const callsBefore = counter.calls()
    const result = await a.applyRemote(entriesUpdate([e1, { map: 'msgs', ...other }, e3]), 'b')
    assert.equal(result.kind, 'applied')
    // e3 names an entry the batch lacks and the replacement is named by nobody: two heads.
    assert.equal(counter.calls() - callsBefore, 2)
    assert.deepEqual(
      a.messages(3).map((m) => m.text),
      ['c0', 'c2', 'other branch'],
    )
    // The entry the fork left out arrives later and joins its chain.
    assert.equal((await a.applyRemote(entriesUpdate([e2]), 'b')).kind, 'applied')
    assert.equal(a.message(e2.id)?.text, 'c1')
  })

  test("an author's chain never vouches for another author's entry", async () => {
    const { a, time } = await setup()
    const real = signMsg(founder, a.groupId, { ts: ++time.now, text: 'by the founder' })
    const claimed = { ...real.entry, text: 'not by the founder', sig: real.entry.sig }
    const forgedId = idOf('msgs', claimed)
    // Bob signs an entry that names the forgery as his previous one.
    const bobs = signMsg(bob, a.groupId, { ts: ++time.now, text: 'bob', prev: forgedId })
    const before = fingerprint(a)
    const result = await a.applyRemote(
      entriesUpdate([
        { map: 'msgs', id: forgedId, entry: claimed },
        { map: 'msgs', ...bobs },
      ]),
      'bob',
    )
    assert.deepEqual(result, { kind: 'rejected', reason: 'msgs entry: bad signature' })
    assert.equal(fingerprint(a), before)
  })

  test('an entry vouched for by one already held is accepted alone, as in a batch', async () => {
    // Bob vouches for his own entry whose signature is broken: the chain makes it his, whichever
    // way it arrives, so replicas that receive it in different batches still agree.
    const { a, time } = await setup()
    const twin = GroupReplica.load(a.groupId, [a.snapshot()], options(founder, time))
    const [e1, e2] = chainOf(bob, a, time, 2)
    assert.ok(e1 && e2)
    const broken = badlySigned(e1, e2)
    const next = {
      map: 'msgs' as const,
      ...signMsg(bob, a.groupId, { ...e2.entry, prev: broken.id }),
    }
    assert.equal((await a.applyRemote(entriesUpdate([broken, next]), 'b')).kind, 'applied')

    assert.equal((await twin.applyRemote(entriesUpdate([broken]), 'b')).kind, 'rejected')
    assert.equal((await twin.applyRemote(entriesUpdate([next]), 'b')).kind, 'applied')
    assert.equal((await twin.applyRemote(entriesUpdate([broken]), 'b')).kind, 'applied')
    assert.deepEqual(
      twin.messages(10).map((m) => m.id),
      a.messages(10).map((m) => m.id),
    )
  })
})

describe('chains: what this device writes', () => {
  const prevOf = (r: GroupReplica, map: string, id: string): unknown =>
    (r.doc.getMap(map).get(id) as { prev?: unknown } | undefined)?.prev

  test('each entry names the previous one of its author, across maps and restarts', async () => {
    const { a, b, time } = await setup()
    const genesis = [...a.doc.getMap('ops').entries()].find(
      ([, op]) => (op as { kind: string }).kind === 'create',
    )
    assert.ok(genesis)
    assert.equal(prevOf(a, 'ops', genesis[0]), null, "the founder's first entry names none")
    const m1 = a.sendMessage('one')
    const ops = [...a.doc.getMap('ops').keys()]
    // The founder's last op before the message (it admitted Bob) is what the message names.
    assert.ok(ops.includes(prevOf(a, 'msgs', m1) as string))
    a.react(m1, '👍', true)
    const act = [...a.doc.getMap('acts').keys()][0] as string
    assert.equal(prevOf(a, 'acts', act), m1)

    const restarted = GroupReplica.load(a.groupId, [a.snapshot()], options(founder, time))
    const m2 = restarted.sendMessage('two')
    assert.equal(prevOf(restarted, 'msgs', m2), act)

    // Bob's first entry of his own (the founder wrote the op admitting him) names none.
    const b1 = b.sendMessage('bob one')
    const b2 = b.sendMessage('bob two')
    assert.equal(prevOf(b, 'msgs', b1), null)
    assert.equal(prevOf(b, 'msgs', b2), b1)
  })

  test('after a restore from an old copy, the device continues its latest entry', async () => {
    const { a, b, time } = await setup()
    const old = b.snapshot()
    b.sendMessage('kept by the others')
    const latest = b.sendMessage('latest')
    await pull(a, b)
    // Bob's device loses its data and comes back from the old copy, then catches up.
    const restored = GroupReplica.load(b.groupId, [old], options(bob, time))
    await pull(restored, a)
    const next = restored.sendMessage('after the restore')
    assert.equal(prevOf(restored, 'msgs', next), latest)
  })
})
