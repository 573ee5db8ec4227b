// Where the CLI gets a passphrase from, in this order: a file descriptor the caller opened
// (`--passphrase-fd N`: the safest for scripts, nothing on a command line or in the environment),
// an environment variable (convenient, but other processes of the same user can read it), or a
// prompt on the terminal that does not echo what is typed. Never from an argument: arguments are
// visible to every user of the machine.
import fs from 'node:fs'
import type { Io } from './main.ts'
import { UsageError } from './usage.ts'

/** Longer than any passphrase the contract takes, short enough that a wrong fd cannot flood us. */
const MAX_LINE_BYTES = 4096

export interface Terminal {
  isTTY?: boolean
  setRawMode?(raw: boolean): unknown
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown
  off(event: 'data', listener: (chunk: Buffer | string) => void): unknown
  resume(): unknown
  pause(): unknown
}

/** What the CLI needs to ask for passphrases: its environment and, for a prompt, a terminal. */
export interface PassphraseIo {
  io: Io
  stdin?: Terminal
  /** Where the prompt goes: stderr, because stdout carries `serve`'s ready line. */
  stderr?: { write(text: string): unknown }
}

/** Parses `--passphrase-fd N`: undefined when not given. */
export function parseFd(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new UsageError(`${option} takes a file descriptor number, like 3; got "${value}"`)
  }
  return Number(value)
}

/** Lines already read from each descriptor: two passphrases may come through the same one. */
const fdLines = new Map<number, { buffered: string[]; ended: boolean }>()

/** Reads one line (without its line ending) from `fd`; a descriptor may carry several. */
export function readLineFromFd(fd: number): string {
  const state = fdLines.get(fd) ?? { buffered: [], ended: false }
  fdLines.set(fd, state)
  if (state.buffered.length === 0 && !state.ended) {
    // Read to the end: a pipe or file given for this is short, and reading all of it at once
    // keeps every line in order for the next call.
    let text: string
    try {
      const bytes = fs.readFileSync(fd)
      if (bytes.length > MAX_LINE_BYTES * 2) {
        throw new UsageError(`file descriptor ${fd} holds more than a passphrase or two`)
      }
      text = bytes.toString('utf8')
    } catch (err) {
      if (err instanceof UsageError) throw err
      throw new UsageError(
        `cannot read a passphrase from file descriptor ${fd}: ${err instanceof Error ? err.message : String(err)}`,
      )
    }
    state.ended = true
    state.buffered = text.split(/\r?\n/)
    // "secret\n" is one line, not a line and an empty one.
    if (state.buffered.at(-1) === '') state.buffered.pop()
  }
  const line = state.buffered.shift()
  if (line === undefined)
    throw new UsageError(`file descriptor ${fd} has no passphrase left to read`)
  return line
}

/** Asks on the terminal without echoing; Ctrl-C or Ctrl-D on an empty line gives up. */
export function promptHidden(
  question: string,
  stdin: Terminal,
  stderr: { write(text: string): unknown },
): Promise<string> {
  return new Promise((resolve, reject) => {
    // Echo off before the question shows: whoever answers the moment it appears (a person
    // typing ahead, a script on a pty) must never see the passphrase echoed back.
    stdin.setRawMode?.(true)
    stderr.write(question)
    let typed = ''
    stdin.resume()
    const finish = (outcome: () => void) => {
      stdin.off('data', onData)
      stdin.setRawMode?.(false)
      stdin.pause()
      stderr.write('\n')
      outcome()
    }
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return finish(() => resolve(typed))
        if (ch === '\u0003' || (ch === '\u0004' && typed === '')) {
          return finish(() => reject(new UsageError('no passphrase was typed')))
        }
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('')
        else if (ch >= ' ') typed += ch
        if (typed.length > MAX_LINE_BYTES) {
          return finish(() => reject(new UsageError('that passphrase is too long')))
        }
      }
    }
    stdin.on('data', onData)
  })
}

export interface PassphraseSpec {
  /** From `--passphrase-fd` (or `--new-passphrase-fd`). */
  fd: number | undefined
  /** The environment variable to read. */
  env: string
  /** What the terminal prompt says, e.g. "Passphrase for /data: ". */
  prompt: string
  /** Ask twice on a terminal (a new passphrase: a typo there locks the person out). */
  confirm?: string
}

/** The passphrase from the first source that has one; undefined when none does. */
export async function obtainPassphrase(
  spec: PassphraseSpec,
  { io, stdin = process.stdin, stderr = process.stderr }: PassphraseIo,
): Promise<string | undefined> {
  if (spec.fd !== undefined) return readLineFromFd(spec.fd)
  const fromEnv = io.env[spec.env]
  if (fromEnv !== undefined && fromEnv !== '') {
    // Whatever this process starts from now on does not inherit it.
    delete io.env[spec.env]
    return fromEnv
  }
  if (!stdin.isTTY) return undefined
  const first = await promptHidden(spec.prompt, stdin, stderr)
  if (spec.confirm !== undefined && (await promptHidden(spec.confirm, stdin, stderr)) !== first) {
    throw new UsageError('the two passphrases you typed are not the same; nothing was changed')
  }
  return first
}

/** The same, for commands that cannot go on without one. */
export async function requirePassphrase(
  spec: PassphraseSpec,
  sources: PassphraseIo,
  command: string,
): Promise<string> {
  const found = await obtainPassphrase(spec, sources)
  if (found === undefined) {
    throw new UsageError(
      `${command} needs a passphrase: type it on a terminal, or give it with --passphrase-fd N or in ${spec.env}`,
    )
  }
  return found
}
