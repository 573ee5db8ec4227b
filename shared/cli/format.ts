// Text output for people. Peer-supplied strings are printed with control characters escaped so a
// hostile name cannot rewrite the terminal.
import type { Group, Message, PeerInfo, ShelfFile } from '../api/domain.ts'
import { displayName } from '../api/names.ts'

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

export function safe(text: string): string {
  return text.replace(CONTROL, (c) => `\\u{${c.codePointAt(0)?.toString(16)}}`)
}

/** "1 group", "3 groups": counts in sentences for people. */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

const SIZE_UNITS = [
  ['G', 1024 ** 3],
  ['M', 1024 ** 2],
  ['K', 1024],
] as const

/** A size as the options take it (50M, 1G, 200K), or in bytes when it is none of those. */
export function sizeText(bytes: number): string {
  for (const [unit, size] of SIZE_UNITS) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`
  }
  return counted(bytes, 'byte')
}

export function formatGroups(groups: Group[]): string {
  if (groups.length === 0)
    return 'You are in no group yet. Create one with: hearth group create NAME'
  return groups
    .map((g) => {
      const members = g.members
        .map((m) => `    ${safe(m.name)}${m.role === 'admin' ? ' (admin)' : ''}  ${m.peerId}`)
        .join('\n')
      return `${safe(g.name)}  [${g.groupId}]  you: ${g.role}\n${members}`
    })
    .join('\n\n')
}

export function formatMessages(messages: Message[]): string {
  if (messages.length === 0) return 'No messages yet.'
  return messages
    .map((m) => {
      const when = new Date(m.ts).toISOString().replace('T', ' ').slice(0, 19)
      const flags = [
        m.verified ? '' : ' [unverified]',
        m.editedAt !== null ? ' (edited)' : '',
        m.replyTo ? ` ↪ ${m.replyTo}` : '',
        m.attachments.length > 0 ? ` 📎 ${m.attachments.join(' ')}` : '',
      ].join('')
      const body = m.deleted ? '(deleted)' : safe(m.text)
      const reactions = Object.entries(m.reactions)
        .map(([emoji, who]) => `${safe(emoji)} ${who.length}`)
        .join('  ')
      return `${when}  ${safe(m.authorName)}${flags}  [${m.id}]\n  ${body}${reactions ? `\n  ${reactions}` : ''}`
    })
    .join('\n')
}

export function formatPeers(peers: PeerInfo[]): string {
  if (peers.length === 0) return 'No known peers yet.'
  return peers
    .map(
      (p) =>
        `${p.connected ? '●' : '○'} ${safe(p.name)}  ${p.peerId}${p.addrs.length ? `\n    ${p.addrs.join('\n    ')}` : ''}`,
    )
    .join('\n')
}

export function formatShelf(files: ShelfFile[]): string {
  if (files.length === 0) return 'The shelf is empty. Add a file with: hearth shelf add GROUP FILE'
  return files
    .map((f) => {
      // File names come from other members: every invisible or direction-changing character is
      // shown as an escape (displayName), not only the ones that move the terminal's cursor.
      const name = displayName(f.name)
      const where =
        f.folder === ''
          ? name
          : `${f.folder
              .split('/')
              .map((s) => displayName(s))
              .join('/')}/${name}`
      const flags = [
        f.local ? 'here' : 'not here',
        f.removed ? 'removed' : '',
        `on ${f.holders.length} ${f.holders.length === 1 ? 'device' : 'devices'}`,
        f.transfer !== null ? f.transfer.state : '',
      ].filter(Boolean)
      const when = new Date(f.addedAt).toISOString().replace('T', ' ').slice(0, 19)
      return `${where}  ${f.size} bytes  [${f.fileId}]  (${flags.join(', ')})\n  added by ${safe(f.addedByName)} ${when}`
    })
    .join('\n')
}
