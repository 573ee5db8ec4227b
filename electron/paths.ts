// Where the desktop app keeps its data. One folder holds everything: the peer's database and
// device key, the window state, and Chromium's own profile, so a person can back it up, move it,
// or carry it on a USB stick. In portable mode that folder is HearthData beside the executable,
// and every other place Electron and Chromium would write to (logs, crash dumps, caches, temp)
// is moved inside it before the app is ready.
import fs from 'node:fs'
import path from 'node:path'
import {
  isMarkedPortable,
  portableDataDir,
  preparePortableTemp,
  realProbe,
  tempEnv,
  type PathProbe,
} from '../shared/peer/portable/layout.ts'

/** The app's name as the OS shows it; Electron derives the user data folder from it. */
export const APP_NAME = 'Hearth'

export const WINDOW_STATE_FILE = 'window-state.json'

export interface DataDirSources {
  env: Readonly<Record<string, string | undefined>>
  /** Electron's app.getPath('userData') for APP_NAME; not asked for when the app is portable. */
  userData: () => string
  /** HearthData beside the executable, when the app runs portable (see findPortable). */
  portableDir?: string | undefined
}

export type DataDirSource = 'env' | 'portable' | 'user-data'

/**
 * A portable folder wins, then HEARTH_DATA_DIR, then the platform's user data folder. Portable
 * beats the variable for the same reason as in the `hearth` command: a stick plugged into a
 * computer whose owner set HEARTH_DATA_DIR must still keep its data on the stick.
 */
export function resolveDataDir(sources: DataDirSources): { dir: string; source: DataDirSource } {
  if (sources.portableDir !== undefined) {
    return { dir: path.resolve(sources.portableDir), source: 'portable' }
  }
  const fromEnv = sources.env.HEARTH_DATA_DIR?.trim()
  if (fromEnv) return { dir: path.resolve(fromEnv), source: 'env' }
  return { dir: path.resolve(sources.userData()), source: 'user-data' }
}

export function windowStateFile(dataDir: string): string {
  return path.join(dataDir, WINDOW_STATE_FILE)
}

export interface ProgramSources {
  /** process.execPath */
  execPath: string
  platform: NodeJS.Platform
  env: Readonly<Record<string, string | undefined>>
  /** app.isPackaged: false under `npm start`, where the executable is node_modules' Electron. */
  isPackaged: boolean
  /** app.getAppPath(): the project folder under `npm start`. */
  appPath: string
}

/**
 * The folder a portable marker is looked for in, "beside the executable": the executable's own
 * folder on Windows and Linux; on macOS the folder holding Hearth.app (nothing may be added
 * inside a signed bundle); for an AppImage the folder holding the .AppImage file (the executable
 * itself runs from a temporary mount); under `npm start`, the project folder.
 */
export function programDir(sources: ProgramSources): string {
  if (!sources.isPackaged) return path.resolve(sources.appPath)
  const appImage = sources.env.APPIMAGE
  if (sources.platform === 'linux' && appImage) return path.dirname(path.resolve(appImage))
  const exeDir = path.dirname(path.resolve(sources.execPath))
  if (sources.platform === 'darwin') {
    for (let dir = exeDir; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
      if (dir.endsWith('.app')) return path.dirname(dir)
    }
  }
  return exeDir
}

/**
 * HearthData beside the executable when the app runs portable: `--portable` on its command line,
 * a file `hearth-portable` or a folder `HearthData` there. Otherwise undefined.
 */
export function findPortable(
  sources: ProgramSources & { argv: readonly string[] },
  probe: PathProbe = realProbe,
): string | undefined {
  const dir = programDir(sources)
  if (sources.argv.includes('--portable') || isMarkedPortable(dir, probe)) {
    return portableDataDir(dir)
  }
  return undefined
}

/** Every place Electron and Chromium write to, inside the portable data folder. */
export interface PortablePaths {
  userData: string
  sessionData: string
  logs: string
  crashDumps: string
  temp: string
  /** Chromium's HTTP cache (--disk-cache-dir); its other caches live under userData. */
  cache: string
}

export function portablePaths(dataDir: string): PortablePaths {
  return {
    userData: dataDir,
    sessionData: dataDir,
    logs: path.join(dataDir, 'logs'),
    crashDumps: path.join(dataDir, 'crashes'),
    temp: path.join(dataDir, 'tmp'),
    cache: path.join(dataDir, 'cache'),
  }
}

/** The part of Electron's `app` that portable mode sets (tests pass a fake). */
export interface PortableApp {
  setPath(name: 'userData' | 'sessionData' | 'temp' | 'crashDumps', value: string): void
  setAppLogsPath(value: string): void
  commandLine: { appendSwitch(name: string, value: string): void }
}

/**
 * Points everything at the portable folder; must run before the app is ready (Electron reads
 * userData and sessionData once). Environment variables set here reach the processes started
 * later (the core host, Chromium's helpers): their temp folder is ours, Node's compile cache is
 * off, and on Linux the caches that follow XDG (GPU shaders, fonts) stay on the stick too.
 */
export function applyPortable(
  app: PortableApp,
  dataDir: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): PortablePaths {
  const paths = portablePaths(dataDir)
  // Only the data folder itself may be created: its parent is the stick (if that is gone,
  // creating folders would write to the host).
  try {
    fs.mkdirSync(dataDir, { mode: 0o700 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  for (const dir of [paths.logs, paths.crashDumps, paths.cache])
    fs.mkdirSync(dir, { recursive: true })
  preparePortableTemp(dataDir)
  app.setPath('userData', paths.userData)
  app.setPath('sessionData', paths.sessionData)
  app.setPath('temp', paths.temp)
  app.setPath('crashDumps', paths.crashDumps)
  app.setAppLogsPath(paths.logs)
  app.commandLine.appendSwitch('disk-cache-dir', paths.cache)
  Object.assign(env, tempEnv(paths.temp), { NODE_DISABLE_COMPILE_CACHE: '1' })
  delete env.NODE_COMPILE_CACHE
  if (platform === 'linux') env.XDG_CACHE_HOME = path.join(paths.cache, 'xdg')
  return paths
}
