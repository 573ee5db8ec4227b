// Where the desktop app keeps its data. One folder holds everything: the peer's database and
// device key, the window state, and Chromium's own profile, so a person can back it up, move it,
// or (later) carry it on a USB stick.
import path from 'node:path'

/** The app's name as the OS shows it; Electron derives the user data folder from it. */
export const APP_NAME = 'Hearth'

export const WINDOW_STATE_FILE = 'window-state.json'

export interface DataDirSources {
  env: Readonly<Record<string, string | undefined>>
  /** Electron's app.getPath('userData') for APP_NAME. */
  userData: string
  /**
   * Portable mode (a later issue) will pass the folder beside the executable here when it finds
   * its marker file; until then nobody passes it and the seam costs nothing.
   */
  portableDir?: string | undefined
}

export type DataDirSource = 'env' | 'portable' | 'user-data'

/** HEARTH_DATA_DIR wins, then a portable folder, then the platform's user data folder. */
export function resolveDataDir(sources: DataDirSources): { dir: string; source: DataDirSource } {
  const fromEnv = sources.env.HEARTH_DATA_DIR?.trim()
  if (fromEnv) return { dir: path.resolve(fromEnv), source: 'env' }
  if (sources.portableDir !== undefined) {
    return { dir: path.resolve(sources.portableDir), source: 'portable' }
  }
  return { dir: path.resolve(sources.userData), source: 'user-data' }
}

export function windowStateFile(dataDir: string): string {
  return path.join(dataDir, WINDOW_STATE_FILE)
}
