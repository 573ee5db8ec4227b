// The contract's RPC over a pair of pipes: one JSON frame per line. The benchmark drives peers in
// other processes (and inside network namespaces, whose loopback it cannot reach) through their
// stdin and stdout, with the same typed client and validating server the bridge uses.
import readline from 'node:readline'
import { Listeners, type Channel } from '../../shared/rpc/channel.ts'

export function lineChannel(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  /** Takes the first line instead of the channel (a process's ready line). */
  first?: (line: string) => void,
): Channel {
  const messages = new Listeners<[string]>()
  const closes = new Listeners<[]>()
  let closed = false
  const lines = readline.createInterface({ input })
  const close = () => {
    if (closed) return
    closed = true
    lines.close()
    closes.emit()
    messages.clear()
    closes.clear()
  }
  let pendingFirst = first
  lines.on('line', (text) => {
    if (pendingFirst !== undefined) {
      const take = pendingFirst
      pendingFirst = undefined
      take(text)
    } else if (!closed) messages.emit(text)
  })
  lines.on('close', close)
  return {
    send(text) {
      if (closed) throw new Error('channel is closed')
      output.write(`${text}\n`)
    },
    onMessage: (listener) => messages.add(listener),
    onClose: (listener) => closes.add(listener),
    close,
  }
}
