// The portable zip's contents, made from the folder Forge packaged: one folder `Hearth` holding
// the app and, beside its executable, the marker file that makes it portable. A person unzips it
// onto a stick and double-clicks; HearthData appears beside the executable on first start.
// The maker (portable-zip-maker.ts) zips what this stages; the staging is tested on its own
// against a fake packaged folder, since Forge cannot package where the tests run.
import fs from 'node:fs/promises'
import path from 'node:path'
import { fatProblems } from '../shared/peer/portable/fat.ts'
import { PORTABLE_MARKER, realProbe } from '../shared/peer/portable/layout.ts'
import { findPortable } from './paths.ts'

/** The top folder inside the zip, the one copied onto the stick. */
export const PORTABLE_FOLDER = 'Hearth'

/** What the marker file says to whoever opens it. */
export const MARKER_TEXT = `This file makes Hearth portable: everything it saves stays in the HearthData folder
next to it, on this drive, and nothing is left on the computer. Keep both together.

이 파일이 있으면 Hearth는 휴대용으로 실행됩니다. 저장하는 모든 것은 옆의 HearthData 폴더,
즉 이 드라이브에 남고 컴퓨터에는 아무것도 남지 않습니다. 둘을 함께 두세요.
`

export interface StageOptions {
  /** What Forge packaged for this platform (`out/Hearth-<platform>-<arch>`). */
  packagedDir: string
  platform: string
  arch: string
  version: string
  /** The product name: `Hearth` (the .app bundle's name on macOS). */
  appName: string
  /** packagerConfig.executableName */
  executableName: string
  /** An empty folder to stage in. */
  stagingDir: string
}

export interface Staged {
  /** The `Hearth` folder to zip (the zip holds it, not just its contents). */
  folder: string
  zipName: string
  /** The staged executable, where the app will look for its marker. */
  executable: string
}

const isMac = (platform: string) => platform === 'darwin' || platform === 'mas'

export function executablePath(root: string, o: StageOptions): string {
  if (isMac(o.platform)) {
    return path.join(root, `${o.appName}.app`, 'Contents', 'MacOS', o.executableName)
  }
  return path.join(root, o.platform === 'win32' ? `${o.executableName}.exe` : o.executableName)
}

export async function stagePortable(o: StageOptions): Promise<Staged> {
  const folder = path.join(o.stagingDir, PORTABLE_FOLDER)
  await fs.mkdir(folder)
  // On macOS the bundle goes in whole (its frameworks keep their symbolic links, which macOS
  // stores even on FAT); elsewhere the packaged folder's contents sit beside the executable.
  const copies = isMac(o.platform) ? [`${o.appName}.app`] : await fs.readdir(o.packagedDir)
  for (const name of copies) {
    await fs.cp(path.join(o.packagedDir, name), path.join(folder, name), {
      recursive: true,
      verbatimSymlinks: true,
      preserveTimestamps: true,
    })
  }
  await fs.writeFile(path.join(folder, PORTABLE_MARKER), MARKER_TEXT)

  const executable = executablePath(folder, o)
  await fs.access(executable).catch((err: unknown) => {
    throw new Error(`the packaged app has no executable at ${executable}: ${String(err)}`)
  })
  // The very logic the app runs at start must find the marker, or the zip would not be portable.
  const found = findPortable(
    {
      execPath: executable,
      platform: o.platform === 'mas' ? 'darwin' : (o.platform as NodeJS.Platform),
      env: {},
      isPackaged: true,
      appPath: executable,
      argv: [executable],
    },
    realProbe,
  )
  if (found === undefined || path.dirname(found) !== folder) {
    throw new Error(`the app would not find its marker beside ${executable}`)
  }
  if (!isMac(o.platform)) {
    const problems = await fatProblems(folder)
    if (problems.length > 0) {
      throw new Error(
        `the portable folder would not survive a FAT32 stick:\n${problems.join('\n')}`,
      )
    }
  }
  return {
    folder,
    zipName: `${o.appName}-portable-${o.platform}-${o.arch}-${o.version}.zip`,
    executable,
  }
}
