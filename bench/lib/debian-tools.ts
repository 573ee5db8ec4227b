// The LAN benchmark compares Hearth with standard tools from Debian's packages. As root, missing
// ones are installed with apt-get; otherwise the rows that need them are skipped with the reason.
import { spawnSync } from 'node:child_process'

/** Command → the Debian package that provides it. */
export type Tools = Record<string, string>

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0
}

/** Null when every command is there (after installing what was missing), else why not. */
export function ensureTools(tools: Tools, log: (line: string) => void): string | null {
  const missing = Object.entries(tools).filter(([command]) => !has(command))
  if (missing.length === 0) return null
  const packages = [...new Set(missing.map(([, pkg]) => pkg))]
  if (process.getuid?.() !== 0) {
    return `needs ${packages.join(', ')} (not installed, and installing needs root)`
  }
  log(`installing ${packages.join(' ')} with apt-get`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  let install = spawnSync('apt-get', ['install', '-y', '-qq', ...packages], {
    encoding: 'utf8',
    env,
  })
  if (install.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { encoding: 'utf8', env })
    install = spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { encoding: 'utf8', env })
  }
  const still = missing.filter(([command]) => !has(command)).map(([c]) => c)
  if (still.length > 0) {
    return `apt-get could not install ${packages.join(', ')}: ${install.stderr.trim().slice(-300)}`
  }
  return null
}
