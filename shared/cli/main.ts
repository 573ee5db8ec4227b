// The `hearth` command. Its arguments, --json shapes, exit codes and ready line are a contract
// that scripts outside this repo rely on (see docs/ARCHITECTURE.md): extend, never change.
import { parseArgs } from 'node:util'
import path from 'node:path'
import type { VaultState, VaultStatus } from '../api/domain.ts'
import { HearthError } from '../api/errors.ts'
import type { ApiClient } from '../rpc/index.ts'
import { connectToPeer } from './connect.ts'
import { chooseDataDir } from './data-dir.ts'
import {
  counted,
  formatGroups,
  formatMessages,
  formatPeers,
  formatShelf,
  safe,
  sizeText,
} from './format.ts'
import { readPassphrase } from './backup-passphrase.ts'
import { parseFd, requirePassphrase } from './passphrase.ts'
import { NoPeerError, USAGE, UsageError } from './usage.ts'

export interface Io {
  out(line: string): void
  err(line: string): void
  env: NodeJS.ProcessEnv
}

const optionSpec = {
  'data-dir': { type: 'string' },
  portable: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  name: { type: 'string' },
  listen: { type: 'string', multiple: true },
  peer: { type: 'string', multiple: true },
  'no-mdns': { type: 'boolean' },
  web: { type: 'string' },
  uses: { type: 'string' },
  expires: { type: 'string' },
  'reply-to': { type: 'string' },
  limit: { type: 'string' },
  off: { type: 'boolean' },
  out: { type: 'string' },
  folder: { type: 'string' },
  files: { type: 'boolean' },
  replace: { type: 'boolean' },
  'passphrase-fd': { type: 'string' },
  'new-passphrase-fd': { type: 'string' },
  'max-file-size': { type: 'string' },
  'auto-download-max': { type: 'string' },
} as const

type Options = ReturnType<
  typeof parseArgs<{ options: typeof optionSpec; allowPositionals: true }>
>['values']

interface Result {
  json: unknown
  text: string
}

interface Context {
  io: Io
  dataDir: string
}

interface Command {
  words: string[]
  args: string[]
  options?: (keyof Options)[]
  /** Options that must be given; checked before reaching for the peer. */
  required?: (keyof Options)[]
  run(client: ApiClient, args: string[], o: Options, ctx: Context): Promise<Result>
  /** What the command does when no peer runs on the data folder (default: exit 3). */
  offline?(args: string[], o: Options, ctx: Context): Promise<Result>
}

const UNIT_BYTES: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }

/** Sizes like 50M, 1.5G, 200K or 1048576 (K, M, G are 1024-based; a trailing B or iB is ok). */
export function parseSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(value.trim())
  if (!match) throw new UsageError(`"${value}" is not a size; write it like 50M, 1G or 200K`)
  return Math.floor(Number(match[1]) * (UNIT_BYTES[(match[2] as string).toLowerCase()] as number))
}

function passphrase(o: Options, ctx: Context, confirm: boolean): Promise<string> {
  return readPassphrase({
    fd: o['passphrase-fd'],
    env: ctx.io.env,
    confirm,
    prompt: (text) => process.stderr.write(text),
  })
}

function restoredText(r: { peerId: string; name: string; groups: number; files: number }) {
  return `Restored ${safe(r.name)} (${r.peerId}) with ${counted(r.groups, 'group')} and ${counted(r.files, 'shelf file')}.`
}

/** Ctrl-C during a command that waits: the peer is told (the connection closes), then exit 1. */
class Interrupted extends Error {
  constructor() {
    super('interrupted')
    this.name = 'Interrupted'
  }
}

/** Runs `work` until it settles or Ctrl-C is pressed, whichever comes first. */
async function untilInterrupted<T>(work: Promise<T>): Promise<T> {
  let onSigint: () => void = () => {}
  const interrupted = new Promise<never>((_resolve, reject) => {
    onSigint = () => reject(new Interrupted())
    process.once('SIGINT', onSigint)
  })
  try {
    return await Promise.race([work, interrupted])
  } finally {
    process.off('SIGINT', onSigint)
  }
}

function waitingLine(waitingFor: { peerId: string; name: string }[]): string {
  if (waitingFor.length === 0) {
    return 'hearth: waiting for a member who has this file to come online (none of the members online has it); Ctrl-C stops'
  }
  const names = waitingFor.map((h) => safe(h.name || h.peerId))
  const who = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`
  return `hearth: waiting for ${who} to come online (${names.length === 1 ? 'who has' : 'they have'} this file); Ctrl-C stops`
}

function positiveInt(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`${what} must be a whole number of 1 or more`)
  return Number(value)
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

export function parseDuration(value: string): number {
  const match = /^(\d+)\s*([smhd])$/.exec(value.trim())
  if (!match) throw new UsageError(`"${value}" is not a duration; write it like 30m, 12h or 7d`)
  return Number(match[1]) * (UNITS[match[2] as string] as number)
}

const ok = (text: string): Result => ({ json: {}, text })

const VAULT_TEXT: Record<VaultState, string> = {
  off: 'Encryption is off: the data folder is not encrypted.',
  locked: 'Encryption is on and the peer is locked: unlock it with "hearth vault unlock".',
  unlocked: 'Encryption is on; the peer is unlocked.',
}

function vaultResult(status: VaultStatus, text = VAULT_TEXT[status.state]): Result {
  return { json: status, text }
}

/**
 * A passphrase being chosen, asked twice on a terminal. Turning encryption on reads it from
 * --passphrase-fd / HEARTH_PASSPHRASE; a change reads the new one from --new-passphrase-fd /
 * HEARTH_NEW_PASSPHRASE (the current one comes through the first pair).
 */
function newPassphrase(
  o: Options,
  io: Io,
  command: string,
  option: 'passphrase-fd' | 'new-passphrase-fd',
): Promise<string> {
  return requirePassphrase(
    {
      fd: parseFd(o[option], `--${option}`),
      env: option === 'passphrase-fd' ? 'HEARTH_PASSPHRASE' : 'HEARTH_NEW_PASSPHRASE',
      prompt: 'New passphrase: ',
      confirm: 'The same passphrase again: ',
    },
    { io },
    command,
  )
}

/** The passphrase that opens the folder now: --passphrase-fd, HEARTH_PASSPHRASE or a prompt. */
function currentPassphrase(o: Options, io: Io, command: string): Promise<string> {
  return requirePassphrase(
    {
      fd: parseFd(o['passphrase-fd'], '--passphrase-fd'),
      env: 'HEARTH_PASSPHRASE',
      prompt: 'Passphrase: ',
    },
    { io },
    command,
  )
}

const commandTable: Command[] = [
  {
    words: ['group', 'create'],
    args: ['NAME'],
    async run(c, [name]) {
      const r = await c.call('groups.create', { name: name as string })
      return {
        json: r,
        text: `Created group ${safe(name as string)} [${r.groupId}].\nInvite code (share it with the people you want in the group):\n${r.invite}`,
      }
    },
  },
  {
    words: ['group', 'invite'],
    args: ['GROUP'],
    options: ['uses', 'expires'],
    async run(c, [group], o) {
      const uses = positiveInt(o.uses, '--uses')
      const expiresInMs = o.expires === undefined ? undefined : parseDuration(o.expires)
      const r = await c.call('groups.invite', {
        group: group as string,
        ...(uses !== undefined && { uses }),
        ...(expiresInMs !== undefined && { expiresInMs }),
      })
      return { json: r, text: r.invite }
    },
  },
  {
    words: ['group', 'code'],
    args: ['GROUP'],
    async run(c, [group]) {
      const r = await c.call('groups.code', { group: group as string })
      const minutes = Math.max(1, Math.round((r.expiresAt - Date.now()) / 60_000))
      return {
        json: r,
        text: `${r.code}\nRead it aloud; it works once, on this network, for ${minutes} minutes.`,
      }
    },
  },
  {
    words: ['group', 'join'],
    args: ['INVITE|CODE'],
    async run(c, [invite]) {
      const r = await c.call('groups.join', { invite: invite as string })
      return { json: r, text: `Joined group [${r.groupId}].` }
    },
  },
  {
    words: ['group', 'remove'],
    args: ['GROUP', 'PEERID'],
    async run(c, [group, peerId]) {
      await c.call('groups.remove', { group: group as string, peerId: peerId as string })
      return ok(`Removed ${peerId} from the group.`)
    },
  },
  {
    words: ['group', 'promote'],
    args: ['GROUP', 'PEERID'],
    async run(c, [group, peerId]) {
      await c.call('groups.promote', { group: group as string, peerId: peerId as string })
      return ok(`${peerId} is now an admin.`)
    },
  },
  {
    words: ['group', 'leave'],
    args: ['GROUP'],
    async run(c, [group]) {
      await c.call('groups.leave', { group: group as string })
      return ok('You left the group.')
    },
  },
  {
    words: ['groups'],
    args: [],
    async run(c) {
      const r = await c.call('groups.list', {})
      return { json: r, text: formatGroups(r) }
    },
  },
  {
    words: ['send'],
    args: ['GROUP', 'TEXT'],
    options: ['reply-to'],
    async run(c, [group, text], o) {
      const r = await c.call('messages.send', {
        group: group as string,
        text: text as string,
        ...(o['reply-to'] !== undefined && { replyTo: o['reply-to'] }),
      })
      return { json: r, text: `Sent [${r.messageId}].` }
    },
  },
  {
    words: ['messages'],
    args: ['GROUP'],
    options: ['limit'],
    async run(c, [group], o) {
      const limit = positiveInt(o.limit, '--limit')
      const r = await c.call('messages.list', {
        group: group as string,
        ...(limit !== undefined && { limit }),
      })
      return { json: r, text: formatMessages(r) }
    },
  },
  {
    words: ['edit'],
    args: ['GROUP', 'ID', 'TEXT'],
    async run(c, [group, messageId, text]) {
      await c.call('messages.edit', {
        group: group as string,
        messageId: messageId as string,
        text: text as string,
      })
      return ok('Edited.')
    },
  },
  {
    words: ['delete'],
    args: ['GROUP', 'ID'],
    async run(c, [group, messageId]) {
      await c.call('messages.delete', { group: group as string, messageId: messageId as string })
      return ok('Deleted.')
    },
  },
  {
    words: ['react'],
    args: ['GROUP', 'ID', 'EMOJI'],
    options: ['off'],
    async run(c, [group, messageId, emoji], o) {
      await c.call('messages.react', {
        group: group as string,
        messageId: messageId as string,
        emoji: emoji as string,
        on: !o.off,
      })
      return ok(o.off ? 'Reaction removed.' : 'Reacted.')
    },
  },
  {
    words: ['shelf', 'add'],
    args: ['GROUP', 'FILE'],
    options: ['name', 'folder'],
    async run(c, [group, file], o) {
      // The peer runs in its own folder: a path means what it means here, so resolve it here.
      const r = await c.call('shelf.add', {
        group: group as string,
        path: path.resolve(file as string),
        ...(o.name !== undefined && { name: o.name }),
        ...(o.folder !== undefined && { folder: o.folder }),
      })
      return { json: r, text: `Added [${r.fileId}] (${r.size} bytes, sha256 ${r.sha256}).` }
    },
  },
  {
    words: ['shelf', 'ls'],
    args: ['GROUP'],
    async run(c, [group]) {
      const r = await c.call('shelf.list', { group: group as string })
      return { json: r, text: formatShelf(r) }
    },
  },
  {
    words: ['shelf', 'get'],
    args: ['GROUP', 'FILEID'],
    options: ['out'],
    required: ['out'],
    async run(c, [group, fileId], o, { io }) {
      // The peer waits for a member who holds the file; say whom, each time that changes.
      let said = ''
      const off = c.on('transferChanged', (event) => {
        if (event.fileId !== fileId || event.state !== 'waiting') return
        const line = waitingLine(event.waitingFor)
        if (line !== said) io.err(line)
        said = line
      })
      try {
        const r = await untilInterrupted(
          c.call('shelf.get', {
            group: group as string,
            fileId: fileId as string,
            out: path.resolve(o.out as string),
          }),
        )
        return { json: r, text: `Saved to ${safe(r.path)} (${r.size} bytes, sha256 verified).` }
      } finally {
        off()
      }
    },
  },
  {
    words: ['shelf', 'rm'],
    args: ['GROUP', 'FILEID'],
    async run(c, [group, fileId]) {
      await c.call('shelf.remove', { group: group as string, fileId: fileId as string })
      return ok('Removed from the shelf.')
    },
  },
  {
    words: ['shelf', 'mv'],
    args: ['GROUP', 'FILEID'],
    options: ['name', 'folder'],
    async run(c, [group, fileId], o) {
      await c.call('shelf.move', {
        group: group as string,
        fileId: fileId as string,
        ...(o.name !== undefined && { name: o.name }),
        ...(o.folder !== undefined && { folder: o.folder }),
      })
      return ok('Moved.')
    },
  },
  {
    words: ['backup'],
    args: ['FILE'],
    options: ['files', 'replace', 'passphrase-fd'],
    async run(c, [file], o, ctx) {
      const r = await c.call('backup.create', {
        path: path.resolve(file as string),
        passphrase: await passphrase(o, ctx, true),
        files: o.files === true,
        replace: o.replace === true,
      })
      return {
        json: r,
        text: `Backed up ${counted(r.groups, 'group')} and ${counted(r.files, 'shelf file')} to ${safe(r.path)} (${counted(r.bytes, 'byte')}).\nKeep the passphrase safe: without it the backup cannot be opened.`,
      }
    },
  },
  {
    words: ['restore'],
    args: ['FILE'],
    options: ['passphrase-fd'],
    // A peer running on DIR may be replaced only while it holds no group (a new install).
    async run(c, [file], o, ctx) {
      const r = await c.call('backup.restore', {
        path: path.resolve(file as string),
        passphrase: await passphrase(o, ctx, false),
      })
      return {
        json: r,
        text: `${restoredText(r)}\nThe peer on ${safe(ctx.dataDir)} now runs as it.`,
      }
    },
    async offline([file], o, ctx) {
      const { restoreBackup } = await import('../peer/carry/index.ts')
      const r = await restoreBackup({
        file: path.resolve(file as string),
        passphrase: await passphrase(o, ctx, false),
        dataDir: ctx.dataDir,
      })
      return {
        json: r,
        text: `${restoredText(r)}\nStart it with: hearth serve --data-dir ${safe(ctx.dataDir)}`,
      }
    },
  },
  {
    words: ['bundle', 'export'],
    args: ['GROUP', 'FILE'],
    options: ['max-file-size', 'replace'],
    async run(c, [group, file], o) {
      const max = o['max-file-size'] === undefined ? undefined : parseSize(o['max-file-size'])
      const r = await c.call('bundle.export', {
        group: group as string,
        path: path.resolve(file as string),
        ...(max !== undefined && { maxFileBytes: max }),
        replace: o.replace === true,
      })
      const skipped = r.skippedFiles > 0 ? ` (${r.skippedFiles} left out)` : ''
      return {
        json: r,
        text: `Saved the group with ${counted(r.files, 'shelf file')}${skipped} to ${safe(r.path)} (${counted(r.bytes, 'byte')}); only its ${counted(r.recipients, 'member')} can open it.`,
      }
    },
  },
  {
    words: ['bundle', 'import'],
    args: ['FILE'],
    async run(c, [file]) {
      const r = await c.call('bundle.import', { path: path.resolve(file as string) })
      return {
        json: r,
        text:
          r.updatesMerged === 0 && r.filesReceived === 0
            ? `Nothing new for group [${r.groupId}]: this device already had everything in the bundle.`
            : `Merged into group [${r.groupId}]: ${r.updatesMerged === 1 ? '1 part' : `${r.updatesMerged} parts`} brought news, ${counted(r.filesReceived, 'shelf file')} arrived.`,
      }
    },
  },
  {
    words: ['shelf', 'policy'],
    args: ['GROUP'],
    options: ['auto-download-max'],
    async run(c, [group], o) {
      const limit = o['auto-download-max']
      const r =
        limit === undefined
          ? await c.call('shelf.policy', { group: group as string })
          : await c.call('shelf.setPolicy', {
              group: group as string,
              autoDownloadMaxBytes: parseSize(limit),
            })
      const folders = r.folders
        .map(
          (f) =>
            `\n  ${safe(f.folder === '' ? '(the whole shelf)' : f.folder)}: ${f.keep ? 'kept' : 'not kept'}`,
        )
        .join('')
      return {
        json: r,
        text: `${r.autoDownloadMaxBytes === 0 ? 'No file is fetched on its own: each comes when you get it.' : `Files up to ${sizeText(r.autoDownloadMaxBytes)} are fetched and kept on their own.`}${folders}`,
      }
    },
  },
  {
    words: ['vault', 'status'],
    args: [],
    async run(c) {
      return vaultResult(await c.call('vault.status', {}))
    },
  },
  {
    words: ['vault', 'unlock'],
    args: [],
    options: ['passphrase-fd'],
    async run(c, _args, o, { io }) {
      const passphrase = await currentPassphrase(o, io, 'vault unlock')
      return vaultResult(await c.call('vault.unlock', { passphrase }), 'Unlocked.')
    },
  },
  {
    words: ['vault', 'enable'],
    args: [],
    options: ['passphrase-fd'],
    async run(c, _args, o, { io }) {
      const passphrase = await newPassphrase(o, io, 'vault enable', 'passphrase-fd')
      const status = await c.call('vault.enable', { passphrase })
      return vaultResult(
        status,
        'Encryption is on. Keep the passphrase safe: without it the data cannot be opened.',
      )
    },
  },
  {
    words: ['vault', 'passphrase'],
    args: [],
    options: ['passphrase-fd', 'new-passphrase-fd'],
    async run(c, _args, o, { io }) {
      const current = await currentPassphrase(o, io, 'vault passphrase')
      const next = await newPassphrase(o, io, 'vault passphrase', 'new-passphrase-fd')
      const status = await c.call('vault.changePassphrase', { current, next })
      return vaultResult(status, 'The passphrase is changed; the old one no longer opens the data.')
    },
  },
  {
    words: ['peers'],
    args: [],
    async run(c) {
      const r = await c.call('peers.list', {})
      return { json: r, text: formatPeers(r) }
    },
  },
  {
    words: ['name'],
    args: [],
    async run(c, [name]) {
      const r =
        name === undefined
          ? await c.call('identity.get', {})
          : await c.call('identity.setName', { name })
      return { json: r, text: `${safe(r.name)}  ${r.peerId}` }
    },
  },
  {
    words: ['status'],
    args: [],
    async run(c) {
      const r = await c.call('status.get', {})
      return {
        json: r,
        text: [
          `${safe(r.name)}  ${r.peerId}`,
          `Hearth ${r.version}, data in ${r.dataDir ?? '(memory)'}${r.portable ? ' (portable)' : ''}`,
          `Listening on:\n  ${r.addrs.join('\n  ')}`,
          `Connected peers: ${r.connectedPeers}`,
          `Other Hearth peers nearby: ${r.nearbyPeers}`,
          `Groups: ${r.groups}`,
          `Encryption: ${r.encrypted ? 'on' : 'off'}`,
          ...(r.storage.writable ? [] : [`Not saving: ${r.storage.message ?? r.storage.problem}`]),
        ].join('\n'),
      }
    },
  },
]

const COMMON: (keyof Options)[] = ['data-dir', 'portable', 'json', 'help']
const SERVE_OPTIONS: (keyof Options)[] = [
  'name',
  'listen',
  'peer',
  'no-mdns',
  'web',
  'passphrase-fd',
]

function findCommand(positionals: string[]): Command | undefined {
  return commandTable.find((c) => c.words.every((w, i) => positionals[i] === w))
}

function checkOptions(values: Options, allowed: (keyof Options)[], what: string) {
  for (const key of Object.keys(values) as (keyof Options)[]) {
    if (!allowed.includes(key)) throw new UsageError(`${what} does not take --${key}`)
  }
}

/** Runs the command line and returns the exit code; never calls process.exit itself. */
export async function main(argv: string[], io: Io): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: optionSpec, allowPositionals: true, strict: true })
  } catch (err) {
    io.err(
      `hearth: ${err instanceof Error ? err.message : String(err)}\nRun "hearth --help" for usage.`,
    )
    return 2
  }
  const { values, positionals } = parsed
  if (values.help || positionals.length === 0) {
    ;(values.help ? io.out : io.err)(USAGE)
    return values.help ? 0 : 2
  }
  const { dir: dataDir, portable } = chooseDataDir({
    dataDir: values['data-dir'],
    portable: values.portable,
    env: io.env,
  })
  try {
    if (positionals[0] === 'serve') {
      checkOptions(values, [...COMMON, ...SERVE_OPTIONS], 'serve')
      if (positionals.length > 1)
        throw new UsageError(`serve takes no arguments, got "${positionals[1]}"`)
      // Loaded only here: control commands stay quick because they never load libp2p.
      const { serve } = await import('./serve.ts')
      return await serve({ dataDir, portable, values, io })
    }
    const command = findCommand(positionals)
    if (!command) {
      const what = positionals.slice(0, 2).join(' ')
      throw new UsageError(`"${what}" is not a hearth command`)
    }
    const args = positionals.slice(command.words.length)
    const optional = command.words[0] === 'name' ? 1 : 0
    if (args.length < command.args.length || args.length > command.args.length + optional) {
      throw new UsageError(`usage: hearth ${[...command.words, ...command.args].join(' ')}`)
    }
    checkOptions(values, [...COMMON, ...(command.options ?? [])], command.words.join(' '))
    for (const key of command.required ?? []) {
      if (values[key] === undefined) {
        throw new UsageError(`${command.words.join(' ')} needs --${key}`)
      }
    }
    if (command.words.join(' ') === 'shelf mv' && values.name === undefined) {
      if (values.folder === undefined) throw new UsageError('shelf mv needs --name or --folder')
    }
    // Check option values before reaching for the peer, so bad usage is exit 2 either way.
    positiveInt(values.uses, '--uses')
    positiveInt(values.limit, '--limit')
    if (values['auto-download-max'] !== undefined) parseSize(values['auto-download-max'])
    if (values.expires !== undefined) parseDuration(values.expires)
    if (values['max-file-size'] !== undefined) parseSize(values['max-file-size'])
    parseFd(values['passphrase-fd'], '--passphrase-fd')
    parseFd(values['new-passphrase-fd'], '--new-passphrase-fd')
    const ctx: Context = { io, dataDir }
    let client: ApiClient
    try {
      client = await connectToPeer(dataDir)
    } catch (err) {
      if (!(err instanceof NoPeerError) || command.offline === undefined) throw err
      const result = await command.offline(args, values, ctx)
      io.out(values.json ? JSON.stringify(result.json) : result.text)
      return 0
    }
    try {
      const result = await command.run(client, args, values, ctx)
      io.out(values.json ? JSON.stringify(result.json) : result.text)
      return 0
    } finally {
      client.close()
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`hearth: ${err.message}\nRun "hearth --help" for usage.`)
      return 2
    }
    if (err instanceof Interrupted) {
      io.err('hearth: cancelled; what was fetched so far is kept, and the same command resumes it')
      return 1
    }
    if (err instanceof NoPeerError) {
      io.err(`hearth: ${err.message}`)
      return 3
    }
    if (err instanceof HearthError) {
      const hint = err.code === 'LOCKED' ? ` Run: hearth vault unlock --data-dir ${dataDir}` : ''
      io.err(`hearth: ${err.message}${hint}`)
      return err.code === 'BAD_INPUT' ? 2 : 1
    }
    io.err(`hearth: ${err instanceof Error ? err.message : String(err)}`)
    return 1
  }
}
