// Where the CLI gets a backup passphrase: the same sources as the data folder's passphrase
// (passphrase.ts: a file descriptor, an environment variable, a prompt that does not echo), but
// its own variable: a backup passphrase is its own secret, apart from HEARTH_PASSPHRASE.
import { parseFd, requirePassphrase } from './passphrase.ts'

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

export async function readPassphrase(source: PassphraseSource): Promise<string> {
  return requirePassphrase(
    {
      fd: parseFd(source.fd, '--passphrase-fd'),
      env: BACKUP_PASSPHRASE_ENV,
      prompt: 'Backup passphrase: ',
      ...(source.confirm && { confirm: 'Type it again: ' }),
    },
    { io: { out() {}, err() {}, env: source.env }, stderr: { write: source.prompt } },
    'this command',
  )
}
