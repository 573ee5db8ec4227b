// The sandboxed preload: the only bridge between the window and the main process. It exposes
// `window.hearth` (checked against DesktopApi) and never ipcRenderer itself, so the page can ask
// for exactly these things and nothing else.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import {
  PORT_MESSAGE,
  type DesktopApi,
  type HostStatus,
  type MessageTarget,
  type PortMessage,
} from '../renderer/platform/desktop-api.ts'
import { IPC } from './ipc.ts'

let nextRequestId = 1

ipcRenderer.on(IPC.port, (event: IpcRendererEvent, reply: unknown) => {
  const requestId =
    typeof reply === 'object' && reply !== null && 'requestId' in reply ? reply.requestId : NaN
  if (typeof requestId !== 'number' || !Number.isInteger(requestId) || event.ports.length !== 1) {
    console.error('hearth preload: dropped a malformed port message from the main process')
    return
  }
  const message: PortMessage = { type: PORT_MESSAGE, requestId }
  // A MessagePort cannot cross contextBridge; posting it to our own window (same origin only) is
  // how Electron hands one to the page.
  window.postMessage(message, window.location.origin, event.ports)
})

function subscribe<T>(channel: string, listener: (value: T) => void): () => void {
  const handler = (_event: IpcRendererEvent, value: T) => listener(value)
  ipcRenderer.on(channel, handler)
  return () => {
    ipcRenderer.removeListener(channel, handler)
  }
}

const api = {
  requestPort() {
    const requestId = nextRequestId++
    ipcRenderer.send(IPC.requestPort, requestId)
    return requestId
  },
  openFiles: (options = {}) => ipcRenderer.invoke(IPC.openFiles, options) as Promise<string[]>,
  saveFile: (options = {}) => ipcRenderer.invoke(IPC.saveFile, options) as Promise<string | null>,
  revealInFolder: (path) => ipcRenderer.invoke(IPC.revealInFolder, path) as Promise<void>,
  openExternal: (url) => ipcRenderer.invoke(IPC.openExternal, url) as Promise<boolean>,
  setViewedGroup(groupId) {
    ipcRenderer.send(IPC.setViewedGroup, groupId)
  },
  onHostStatus: (listener) => subscribe<HostStatus>(IPC.hostStatus, listener),
  onOpenMessage: (listener) => subscribe<MessageTarget>(IPC.openMessage, listener),
} satisfies DesktopApi

contextBridge.exposeInMainWorld('hearth', api)
