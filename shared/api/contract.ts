// The one contract between every client (UI, CLI, tests) and the peer.
// Commands are imperatives with a reply; events are past-tense notifications.
// Every type on either side is derived from these schemas; nothing is written twice.
import { z } from 'zod'
import {
  DisplayName,
  Emoji,
  EntryId,
  Group,
  GroupId,
  Identity,
  Message,
  MessageText,
  PeerIdText,
  PeerInfo,
  Status,
} from './domain.ts'

/** A group id or an unambiguous group name. */
const GroupRef = z.string().trim().min(1, 'name a group by its id or its name')
const Empty = z.object({}).strict()

function command<I extends z.ZodType, O extends z.ZodType>(input: I, output: O) {
  return { input, output }
}

export const commands = {
  'identity.get': command(Empty, Identity),
  'identity.setName': command(z.object({ name: DisplayName }), Identity),
  'status.get': command(Empty, Status),

  'groups.list': command(Empty, z.array(Group)),
  'groups.create': command(
    z.object({ name: DisplayName }),
    z.object({ groupId: GroupId, invite: z.string() }),
  ),
  'groups.invite': command(
    z.object({
      group: GroupRef,
      uses: z.number().int().min(1).max(1000).optional(),
      expiresInMs: z
        .number()
        .int()
        .min(60_000, 'an invite must last at least a minute')
        .max(30 * 24 * 3600_000, 'an invite can last at most 30 days')
        .optional(),
    }),
    z.object({ invite: z.string() }),
  ),
  'groups.code': command(
    z.object({ group: GroupRef }),
    z.object({ code: z.string(), expiresAt: z.number().int() }),
  ),
  'groups.join': command(
    z.object({ invite: z.string().trim().min(1, 'paste an invite or type a code') }),
    z.object({ groupId: GroupId }),
  ),
  'groups.leave': command(z.object({ group: GroupRef }), Empty),
  'groups.remove': command(z.object({ group: GroupRef, peerId: PeerIdText }), Empty),
  'groups.promote': command(z.object({ group: GroupRef, peerId: PeerIdText }), Empty),

  'messages.list': command(
    z.object({
      group: GroupRef,
      limit: z.number().int().min(1).max(100_000).optional(),
    }),
    z.array(Message),
  ),
  'messages.send': command(
    z.object({ group: GroupRef, text: MessageText, replyTo: EntryId.optional() }),
    z.object({ messageId: EntryId }),
  ),
  'messages.edit': command(
    z.object({ group: GroupRef, messageId: EntryId, text: MessageText }),
    Empty,
  ),
  'messages.delete': command(z.object({ group: GroupRef, messageId: EntryId }), Empty),
  'messages.react': command(
    z.object({ group: GroupRef, messageId: EntryId, emoji: Emoji, on: z.boolean().optional() }),
    Empty,
  ),

  'peers.list': command(Empty, z.array(PeerInfo)),
} as const

export const events = {
  messageAdded: z.object({ groupId: GroupId, message: Message }),
  messageChanged: z.object({ groupId: GroupId, message: Message }),
  groupChanged: z.object({ group: Group }),
  groupLeft: z.object({ groupId: GroupId }),
  peerConnected: z.object({ peerId: PeerIdText }),
  peerDisconnected: z.object({ peerId: PeerIdText }),
  groupSynced: z.object({ groupId: GroupId, peerId: PeerIdText }),
} as const

export type Commands = typeof commands
export type CommandName = keyof Commands
export type CommandInput<K extends CommandName> = z.input<Commands[K]['input']>
export type CommandOutput<K extends CommandName> = z.output<Commands[K]['output']>
/** What a handler receives: the input after validation and defaults. */
export type ParsedInput<K extends CommandName> = z.output<Commands[K]['input']>

export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<K extends EventName> = z.output<Events[K]>

/** What the peer implements: one function per command. */
export type Handlers = {
  [K in CommandName]: (input: ParsedInput<K>) => Promise<CommandOutput<K>>
}

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name)
}
export function isEventName(name: string): name is EventName {
  return Object.hasOwn(events, name)
}
