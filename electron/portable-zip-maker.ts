// A Forge maker for the portable zip: the packaged app in a folder `Hearth` with the marker file
// beside its executable, zipped with the same tool Forge's zip maker uses. It runs beside the
// installers' makers in `npm run make` (out/make/zip-portable/<platform>/<arch>/).
import fs from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { MakerBase, type MakerOptions } from '@electron-forge/maker-base'
import type { ForgePlatform } from '@electron-forge/shared-types'
import { zip } from 'cross-zip'
import { stagePortable } from './portable-package.ts'

export class MakerPortableZip extends MakerBase<Record<string, never>> {
  name = 'zip-portable'
  defaultPlatforms: ForgePlatform[] = ['darwin', 'win32', 'linux']

  override isSupportedOnCurrentPlatform(): boolean {
    return true
  }

  override async make(options: MakerOptions): Promise<string[]> {
    const { dir, makeDir, appName, packageJSON, targetArch, targetPlatform, forgeConfig } = options
    const stagingDir = await fs.mkdtemp(path.join(makeDir, 'portable-staging-'))
    try {
      const staged = await stagePortable({
        packagedDir: dir,
        platform: targetPlatform,
        arch: targetArch,
        version: String((packageJSON as { version?: unknown }).version),
        appName,
        executableName: forgeConfig.packagerConfig.executableName ?? appName,
        stagingDir,
      })
      const zipPath = path.join(makeDir, 'zip-portable', targetPlatform, targetArch, staged.zipName)
      await this.ensureFile(zipPath)
      await promisify(zip)(staged.folder, zipPath)
      return [zipPath]
    } finally {
      await fs.rm(stagingDir, { recursive: true, force: true })
    }
  }
}
