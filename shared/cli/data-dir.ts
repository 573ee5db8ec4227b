import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  isMarkedPortable,
  portableDataDir,
  realProbe,
  type PathProbe,
} from '../peer/portable/layout.ts'

/**
 * Where the `hearth` program is, for portable mode: the package folder (the one holding `bin/`
 * and `package.json`), wherever it was copied — a stick, a global npm install. Symbolic links
 * (npm's `.bin/hearth`) are already resolved: Node loads modules by their real path.
 */
export const PROGRAM_DIR = fileURLToPath(new URL('../../', import.meta.url))

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

export interface DataDirChoice {
  dir: string
  portable: boolean
}

/**
 * `--data-dir` wins; then portable mode (`--portable`, or the marker file or a HearthData folder
 * beside the program); then HEARTH_DATA_DIR; then the platform's folder. A marker beats the
 * variable on purpose: a stick plugged into a computer whose owner set HEARTH_DATA_DIR for
 * their own Hearth must still keep its data on the stick. `--portable` with `--data-dir` keeps
 * that folder and still leaves nothing on the host (temp files go inside it).
 */
export function chooseDataDir(options: {
  dataDir?: string | undefined
  portable?: boolean | undefined
  env: NodeJS.ProcessEnv
  programDir?: string
  probe?: PathProbe
}): DataDirChoice {
  if (options.dataDir !== undefined) {
    return { dir: path.resolve(options.dataDir), portable: options.portable === true }
  }
  const programDir = options.programDir ?? PROGRAM_DIR
  if (options.portable || isMarkedPortable(programDir, options.probe ?? realProbe)) {
    return { dir: portableDataDir(programDir), portable: true }
  }
  return { dir: defaultDataDir(options.env), portable: false }
}

export const API_FILE = 'api.json'
