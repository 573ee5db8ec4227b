// Every IPC handler the preload can reach. Each one first checks that the message came from the
// top frame of our window showing our page, then validates its input; anything else is refused
// and logged. The window can ask for a channel to the peer and a few native services, no more.
import path from 'node:path'
import {
  BrowserWindow,
  dialog,
  ipcMain,
  MessageChannelMain,
  shell,
  type IpcMainEvent,
  type IpcMainInvokeEvent,
  type MessageBoxOptions,
  type MessagePortMain,
  type OpenDialogOptions,
  type SaveDialogOptions,
} from 'electron'
import { z } from 'zod'
import { GroupId } from '../shared/api/domain.ts'
import { safeFileName } from '../shared/api/names.ts'
import type { PathGrants } from './file-access.ts'
import { IPC } from './ipc.ts'
import { isTrustedSender, vetExternalUrl, type TrustedWindow } from './security.ts'
import type { Strings } from './strings.ts'

export interface IpcDeps {
  /** Our window and its renderer origin, once the window exists. */
  trusted(): (TrustedWindow & { window: BrowserWindow }) | undefined
  /** Hands one end of a new client channel to the peer. */
  connect(port: MessagePortMain): void
  grants: PathGrants
  strings: Strings
  /** Where save dialogs start. */
  downloadsDir: string
  setViewedGroup(groupId: string | null): void
}

const RequestId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER)
const DialogTitle = z.string().trim().min(1).max(200)
const OpenFilesInput = z
  .object({ title: DialogTitle.optional(), multiple: z.boolean().optional() })
  .strict()
const SaveFileInput = z
  .object({ title: DialogTitle.optional(), defaultName: z.string().max(4096).optional() })
  .strict()
const FilePath = z.string().min(1).max(4096)

class RefusedError extends Error {
  constructor(channel: string) {
    super(`${channel} refused`)
    this.name = 'RefusedError'
  }
}

export function registerIpc(deps: IpcDeps): void {
  const trustedWindow = (event: IpcMainEvent | IpcMainInvokeEvent, channel: string) => {
    const trusted = deps.trusted()
    if (isTrustedSender(event, trusted)) return trusted?.window
    console.warn(
      `hearth: refused ${channel} from ${event.senderFrame?.url ?? 'a frame that is gone'}`,
    )
    return undefined
  }

  /** A request/response handler: refused senders and bad input reject the renderer's promise. */
  const handle = <T>(
    channel: string,
    input: z.ZodType<T>,
    run: (value: T, window: BrowserWindow) => Promise<unknown>,
  ) => {
    ipcMain.handle(channel, async (event, raw: unknown) => {
      const window = trustedWindow(event, channel)
      if (!window) throw new RefusedError(channel)
      const parsed = input.safeParse(raw)
      if (!parsed.success) throw new Error(`${channel}: ${parsed.error.issues[0]?.message}`)
      return run(parsed.data, window)
    })
  }

  ipcMain.on(IPC.requestPort, (event, raw: unknown) => {
    if (!trustedWindow(event, IPC.requestPort)) return
    const requestId = RequestId.safeParse(raw)
    if (!requestId.success) {
      console.warn('hearth: refused a port request without a valid request id')
      return
    }
    const { port1, port2 } = new MessageChannelMain()
    deps.connect(port1)
    event.sender.postMessage(IPC.port, { requestId: requestId.data }, [port2])
  })

  ipcMain.on(IPC.setViewedGroup, (event, raw: unknown) => {
    if (!trustedWindow(event, IPC.setViewedGroup)) return
    const groupId = GroupId.nullable().safeParse(raw)
    if (groupId.success) deps.setViewedGroup(groupId.data)
    else console.warn('hearth: ignored a viewed group that is not a group id')
  })

  handle(IPC.openFiles, OpenFilesInput, async (input, window) => {
    const options: OpenDialogOptions = {
      properties: input.multiple ? ['openFile', 'multiSelections'] : ['openFile'],
      ...(input.title !== undefined && { title: input.title }),
    }
    const result = await dialog.showOpenDialog(window, options)
    if (result.canceled) return []
    deps.grants.grant(result.filePaths)
    return result.filePaths
  })

  handle(IPC.saveFile, SaveFileInput, async (input, window) => {
    // Suggested names come from other members: one plain, harmless file name, never a path.
    const name = input.defaultName === undefined ? undefined : safeFileName(input.defaultName)
    const options: SaveDialogOptions = {
      defaultPath: name === undefined ? deps.downloadsDir : path.join(deps.downloadsDir, name),
      ...(input.title !== undefined && { title: input.title }),
    }
    const result = await dialog.showSaveDialog(window, options)
    if (result.canceled || result.filePath === undefined || result.filePath === '') return null
    deps.grants.grant([result.filePath])
    return result.filePath
  })

  handle(IPC.revealInFolder, FilePath, async (file) => {
    if (!deps.grants.allows(file)) {
      console.warn(`hearth: refused to reveal ${file}: no dialog gave it and it is not ours`)
      throw new RefusedError(IPC.revealInFolder)
    }
    shell.showItemInFolder(path.resolve(file))
  })

  handle(IPC.openExternal, z.unknown(), async (raw, window) => {
    const url = vetExternalUrl(raw)
    if (url === undefined) {
      console.warn('hearth: refused to open an address that is not http(s)')
      return false
    }
    const s = deps.strings
    const options: MessageBoxOptions = {
      type: 'question',
      title: s.openLinkTitle,
      message: s.openLinkMessage,
      detail: url,
      buttons: [s.open, s.cancel],
      // Enter or Escape must never open a link by accident.
      defaultId: 1,
      cancelId: 1,
      noLink: true,
    }
    const { response } = await dialog.showMessageBox(window, options)
    if (response !== 0) return false
    await shell.openExternal(url)
    return true
  })
}
