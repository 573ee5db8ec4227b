// A stream that the remote end (or a dying connection) closed under us can make the libp2p stream
// layer throw StreamStateError from inside its own event handling, where no caller of ours can
// catch it. One peer's broken connection must not take down the process that serves every other
// member (the threat model: no input can crash the peer), so those errors — and only those — are
// logged and contained. Anything else still ends the process as Node would.
const CONTAINED = new Set([
  'StreamStateError',
  'StreamResetError',
  'StreamAbortedError',
  'StreamClosedError',
  'MuxerClosedError',
])

export function isContainedStreamError(err: unknown): boolean {
  return err instanceof Error && CONTAINED.has(err.name)
}

let installed = false

/** Installs the process-wide guard once; returns whether this call installed it. */
export function containStreamErrors(
  log: (line: string) => void = (l) => console.error(l),
): boolean {
  if (installed) return false
  installed = true
  process.on('uncaughtException', (err) => {
    if (isContainedStreamError(err)) {
      log(`hearth: contained a stream error from a closed connection: ${err.stack ?? String(err)}`)
      return
    }
    log(`hearth: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    process.exit(1)
  })
  process.on('unhandledRejection', (reason) => {
    if (isContainedStreamError(reason)) {
      log(`hearth: contained a stream error from a closed connection: ${String(reason)}`)
      return
    }
    log(
      `hearth: fatal: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
    )
    process.exit(1)
  })
  return true
}
