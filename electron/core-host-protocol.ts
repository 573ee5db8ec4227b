// The few messages between the main process and the core host (the utilityProcess running the
// peer). Clients never use this: each gets its own MessagePort carrying the RPC contract.
import { z } from 'zod'

/** main → core host */
export const ToHost = z.discriminatedUnion('type', [
  /** Serve the contract on the MessagePort transferred with this message. */
  z.object({ type: z.literal('connect') }),
  /** Stop the peer (flushing it to disk) and exit. */
  z.object({ type: z.literal('stop') }),
])
export type ToHost = z.infer<typeof ToHost>

/** core host → main */
export const FromHost = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), peerId: z.string().max(128) }),
  /** The data folder is encrypted: the contract is served, and the peer waits to be unlocked. */
  z.object({ type: z.literal('locked') }),
  /** The peer could not start or crashed; the process exits right after. */
  z.object({ type: z.literal('failed'), message: z.string().max(4096) }),
])
export type FromHost = z.infer<typeof FromHost>

export interface HostOptions {
  dataDir: string
  /** Multiaddrs to listen on instead of every interface (tests listen on loopback). */
  listen?: string[]
  /** Off where multicast is unwanted (tests). */
  mdns?: boolean
  /** The data folder is the portable HearthData (shown in the status). */
  portable?: boolean
}

/** The core host's command line; it mirrors `hearth serve`'s flags of the same names. */
export function hostArgs(options: HostOptions): string[] {
  return [
    '--data-dir',
    options.dataDir,
    ...(options.listen ?? []).flatMap((addr) => ['--listen', addr]),
    ...(options.mdns === false ? ['--no-mdns'] : []),
    ...(options.portable === true ? ['--portable'] : []),
  ]
}

/** Reads the flags wherever they sit in argv (Electron and Node put different things first). */
export function parseHostArgs(argv: readonly string[]): HostOptions {
  let dataDir: string | undefined
  const listen: string[] = []
  let mdns = true
  let portable = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = argv[i + 1]
    if (arg === '--no-mdns') mdns = false
    else if (arg === '--portable') portable = true
    else if ((arg === '--data-dir' || arg === '--listen') && value !== undefined) {
      if (arg === '--data-dir') dataDir = value
      else listen.push(value)
      i++
    }
  }
  if (dataDir === undefined || dataDir === '') throw new Error('the core host needs --data-dir DIR')
  return { dataDir, ...(listen.length > 0 && { listen }), mdns, ...(portable && { portable }) }
}
