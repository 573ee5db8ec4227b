// Electron Forge: `npm start` (dev server + app), `npm run package`, `npm run make` (installers,
// a plain zip, and a portable zip per platform).
// Vite builds four entries: the main process, the preload, the core host (the utilityProcess
// running the peer) and the renderer (the same React UI `hearth serve --web` serves). Fuses turn
// off the ways a packaged Electron could be talked into running arbitrary code.
import { MakerDeb } from '@electron-forge/maker-deb'
import { MakerDMG } from '@electron-forge/maker-dmg'
import { MakerRpm } from '@electron-forge/maker-rpm'
import { MakerSquirrel } from '@electron-forge/maker-squirrel'
import { MakerZIP } from '@electron-forge/maker-zip'
import { FusesPlugin } from '@electron-forge/plugin-fuses'
import { VitePlugin, type VitePluginConfig } from '@electron-forge/plugin-vite'
import type { ForgeConfig } from '@electron-forge/shared-types'
import { FuseV1Options, FuseVersion } from '@electron/fuses'
import { MakerPortableZip } from './electron/portable-zip-maker.ts'

const description = 'Peer-to-peer LAN messenger: groups with replicated chats, no server.'

/** Also read by electron/build.ts, which builds the same bundles without packaging. */
export const viteBuild: VitePluginConfig = {
  build: [
    { entry: 'electron/main.ts', config: 'vite.main.config.ts', target: 'main' },
    { entry: 'electron/core-host.ts', config: 'vite.main.config.ts', target: 'main' },
    { entry: 'electron/preload.ts', config: 'vite.preload.config.ts', target: 'preload' },
  ],
  renderer: [{ name: 'main_window', config: 'vite.electron-renderer.config.ts' }],
}

const config: ForgeConfig = {
  packagerConfig: {
    name: 'Hearth',
    executableName: 'hearth-desktop',
    appBundleId: 'org.hearth.desktop',
    // The fuses below make the app refuse to load anything but this archive, checked against
    // the hash embedded at packaging time.
    asar: true,
  },
  rebuildConfig: {},
  makers: [
    new MakerZIP({}, ['darwin', 'linux', 'win32']),
    // The same app with the marker beside its executable: unzip onto a USB stick and run.
    new MakerPortableZip({}, ['darwin', 'linux', 'win32']),
    new MakerSquirrel({ name: 'Hearth', description }),
    new MakerDMG({}),
    new MakerDeb({
      options: { name: 'hearth', productName: 'Hearth', description, categories: ['Network'] },
    }),
    new MakerRpm({
      options: { name: 'hearth', productName: 'Hearth', description, categories: ['Network'] },
    }),
  ],
  plugins: [
    new VitePlugin(viteBuild),
    new FusesPlugin({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      // The renderer is served from app://, so file:// needs none of its historical privileges.
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    }),
  ],
}

export default config
