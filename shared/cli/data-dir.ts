import os from 'node:os'
import path from 'node:path'

/** The platform's user data folder, the same one the desktop app uses (Electron's `userData`). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HEARTH_DATA_DIR) return path.resolve(env.HEARTH_DATA_DIR)
  const home = os.homedir()
  switch (process.platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Hearth')
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Hearth')
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Hearth')
  }
}

export const API_FILE = 'api.json'
