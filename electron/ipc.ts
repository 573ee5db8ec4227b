// The IPC channel names between the preload and the main process, in one place. Plain strings
// only: the sandboxed preload bundles this file and may not pull in anything else.
export const IPC = {
  /** preload → main (send): `requestId`; main answers on PORT with one end of a new channel. */
  requestPort: 'hearth:request-port',
  /** main → preload: `{ requestId }` with the port in `event.ports[0]`. */
  port: 'hearth:port',
  openFiles: 'hearth:open-files',
  saveFile: 'hearth:save-file',
  revealInFolder: 'hearth:reveal-in-folder',
  openExternal: 'hearth:open-external',
  /** preload → main (send): the group on screen, or null. */
  setViewedGroup: 'hearth:set-viewed-group',
  /** main → preload: HostStatus. */
  hostStatus: 'hearth:host-status',
  /** main → preload: MessageTarget, after a notification was clicked. */
  openMessage: 'hearth:open-message',
} as const
