// Where the CLI gets a backup passphrase: a file descriptor (scripts), an environment variable,
// or a prompt on the terminal that does not echo. A backup passphrase is its own secret, apart
// from the one that may unlock the data folder (HEARTH_PASSPHRASE), hence its own variable.
// (When the data folder's own passphrase reading lands, this becomes a call to it.)
import fs from 'node:fs'
import { UsageError } from './usage.ts'

export const BACKUP_PASSPHRASE_ENV = 'HEARTH_BACKUP_PASSPHRASE'

export interface PassphraseSource {
  /** `--passphrase-fd N` as typed. */
  fd: string | undefined
  env: NodeJS.ProcessEnv
  /** Ask twice on a terminal (a new backup: a typo would lock the person out). */
  confirm: boolean
  /** Writes a prompt (stderr) — only used on a terminal. */
  prompt(text: string): void
}

/** Reads everything from the descriptor; one trailing newline is not part of the passphrase. */
function fromFd(spec: string): string {
  if (!/^\d+$/.test(spec)) throw new UsageError('--passphrase-fd takes a file descriptor number')
  let text: string
  try {
    text = fs.readFileSync(Number(spec), 'utf8')
  } catch (err) {
    throw new UsageError(
      `cannot read the passphrase from file descriptor ${spec}: ${(err as Error).message}`,
    )
  }
  return text.replace(/\r?\n$/, '')
}

export async function readPassphrase(source: PassphraseSource): Promise<string> {
  if (source.fd !== undefined) return fromFd(source.fd)
  const fromEnv = source.env[BACKUP_PASSPHRASE_ENV]
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  if (process.stdin.isTTY !== true || process.stderr.isTTY !== true) {
    throw new UsageError(
      `give the backup passphrase with --passphrase-fd N or ${BACKUP_PASSPHRASE_ENV}, or run this in a terminal`,
    )
  }
  const first = await promptHidden(source, 'Backup passphrase: ')
  if (!source.confirm) return first
  const second = await promptHidden(source, 'Type it again: ')
  if (first !== second) throw new UsageError('the two passphrases differ; nothing was done')
  return first
}

/** Reads one line from the terminal in raw mode, so what is typed is never shown. */
function promptHidden(source: PassphraseSource, text: string): Promise<string> {
  const stdin = process.stdin
  source.prompt(text)
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  return new Promise((resolve, reject) => {
    let typed = ''
    const finish = () => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      source.prompt('\n')
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish()
          resolve(typed)
          return
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish()
          reject(new UsageError('cancelled; nothing was done'))
          return
        }
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('')
        else typed += ch
      }
    }
    stdin.on('data', onData)
  })
}
