// A peer made of plain data, for UI tests that need what a real peer cannot produce quickly (a
// group with 100,000 messages). It speaks the real contract through the real bridge, so the page
// under test cannot tell the difference; only the handlers are fake.
import type { EventName, EventPayload, Group, Handlers, Message } from '../../shared/api/index.ts'
import { HearthError } from '../../shared/api/index.ts'
import { newToken, startBridge, type Bridge } from '../../shared/peer/bridge/server.ts'
import { serveApi } from '../../shared/rpc/server.ts'

export const ME = '12D3KooWLbhKjW1JfrTaK8BAzoiUU3rEQLgKa8Y4UGztpsPAGDiN'
export const OTHER = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

/** A valid entry id (26 base32 characters) made from a number. */
export function entryId(n: number): string {
  let s = ''
  for (let v = n; s.length < 26; v = Math.floor(v / 32)) s = (ALPHABET[v % 32] ?? 'a') + s
  return s
}

/** A group of this fake peer's person (a member) and one other (an admin). */
export function twoOfUs(groupId: string, name: string): Group {
  return {
    groupId,
    name,
    role: 'member',
    members: [
      { peerId: ME, name: 'Me', role: 'member' },
      { peerId: OTHER, name: 'Other', role: 'admin' },
    ],
  }
}

type Emit = <K extends EventName>(name: K, payload: EventPayload<K>) => void

export interface FakePeer {
  bridge: Bridge
  group: Group
  messages: Message[]
  /** Sends an event to every connected page. */
  emit: Emit
  /** Resolves when a page has connected and loaded this many messages with messages.list. */
  listed(): Promise<void>
  close(): Promise<void>
}

export async function startFakePeer(options: {
  staticDir: string
  /** The messages of `group`. */
  messages: Message[]
  group?: Group
  /** More groups, with no messages. */
  otherGroups?: Group[]
}): Promise<FakePeer> {
  const group: Group = options.group ?? twoOfUs(entryId(1), 'Big group')
  const groups = [group, ...(options.otherGroups ?? [])]
  const messages = options.messages
  const emitters = new Set<Emit>()
  let onListed: () => void = () => {}
  const listedOnce = new Promise<void>((resolve) => (onListed = resolve))
  const unsupported = async (): Promise<never> => {
    throw new HearthError('UNKNOWN_COMMAND', 'the fake peer does not do that')
  }
  const handlers: Handlers = {
    'identity.get': async () => ({ peerId: ME, name: 'Me' }),
    'identity.setName': async ({ name }) => ({ peerId: ME, name }),
    'status.get': async () => ({
      peerId: ME,
      name: 'Me',
      addrs: ['/ip4/192.168.1.2/tcp/4001'],
      connectedPeers: group.members.length - 1,
      groups: groups.length,
      nearbyPeers: 0,
      catchingUp: [],
      dataDir: null,
      version: '0.1.0',
      portable: false,
      storage: { writable: true, problem: null, message: null, since: null },
      encrypted: false,
    }),
    'groups.list': async () => groups,
    'groups.create': unsupported,
    'groups.invite': unsupported,
    'groups.code': unsupported,
    'groups.join': unsupported,
    'groups.leave': unsupported,
    'groups.remove': unsupported,
    'groups.promote': unsupported,
    'messages.list': async ({ group: ref, limit }) => {
      if (ref !== group.groupId) return []
      const page = messages.slice(-(limit ?? 50))
      if ((limit ?? 50) > 100) onListed()
      return page
    },
    'messages.send': async ({ text }) => {
      const message: Message = {
        id: entryId(10_000_000 + messages.length),
        author: ME,
        authorName: 'Me',
        text,
        ts: (messages[messages.length - 1]?.ts ?? 0) + 1,
        replyTo: null,
        editedAt: null,
        deleted: false,
        reactions: {},
        verified: true,
        attachments: [],
      }
      messages.push(message)
      emit('messageAdded', { groupId: group.groupId, message })
      return { messageId: message.id }
    },
    'messages.edit': unsupported,
    'messages.delete': unsupported,
    'messages.react': unsupported,
    'receipts.list': async () => [],
    'receipts.markRead': async () => ({}),
    'peers.list': async () =>
      group.members
        .filter((m) => m.peerId !== ME)
        .map((m, i) => ({
          peerId: m.peerId,
          name: m.name,
          connected: true,
          addrs: [`/ip4/192.168.1.${3 + i}/tcp/4001`],
          groups: [group.groupId],
          lastSeen: Date.now(),
        })),
    'shelf.add': unsupported,
    'shelf.list': async () => [],
    'shelf.get': unsupported,
    'shelf.remove': unsupported,
    'shelf.restore': unsupported,
    'shelf.move': unsupported,
    'shelf.download': unsupported,
    'shelf.cancel': unsupported,
    'shelf.setKeep': unsupported,
    'shelf.policy': async () => ({ autoDownloadMaxBytes: 50 * 1024 * 1024, folders: [] }),
    'shelf.setPolicy': unsupported,
    'shelf.storage': async () => ({ totalBytes: 0, freeableBytes: 0, groups: [] }),
    'shelf.free': unsupported,
    'shelf.beginUpload': unsupported,
    'shelf.uploadChunk': unsupported,
    'shelf.finishUpload': unsupported,
    'shelf.cancelUpload': unsupported,
    'shelf.read': unsupported,
    'shelf.exportLink': unsupported,
    'backup.create': unsupported,
    'backup.restore': unsupported,
    'bundle.export': unsupported,
    'bundle.import': unsupported,
    'vault.status': async () => ({ state: 'off', portable: false }),
    'vault.unlock': unsupported,
    'vault.enable': unsupported,
    'vault.changePassphrase': unsupported,
  }
  const emit: Emit = (name, payload) => {
    for (const e of emitters) e(name, payload)
  }
  const bridge = await startBridge({
    token: newToken(),
    staticDir: options.staticDir,
    onConnection: (channel) => {
      serveApi(channel, handlers, (send) => {
        emitters.add(send)
        return () => emitters.delete(send)
      })
    },
  })
  return {
    bridge,
    group,
    messages,
    emit,
    listed: () => listedOnce,
    close: () => bridge.close(),
  }
}
