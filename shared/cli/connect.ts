import fs from 'node:fs'
import path from 'node:path'
import WebSocket from 'ws'
import { z } from 'zod'
import { createClient, wsChannel, type ApiClient } from '../rpc/index.ts'
import { API_FILE } from './data-dir.ts'
import { NoPeerError } from './usage.ts'

export const ApiFile = z.object({
  api: z.string().startsWith('ws://'),
  token: z.string().min(16),
  pid: z.number().int(),
  peerId: z.string(),
})
export type ApiFile = z.infer<typeof ApiFile>

function noPeer(dataDir: string): NoPeerError {
  return new NoPeerError(
    `No Hearth peer is running on ${dataDir}; start one with: hearth serve --data-dir ${dataDir}`,
  )
}

export function readApiFile(dataDir: string): ApiFile | undefined {
  let text: string
  try {
    text = fs.readFileSync(path.join(dataDir, API_FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  const parsed = ApiFile.safeParse(JSON.parse(text))
  return parsed.success ? parsed.data : undefined
}

/** Connects to the peer serving `dataDir`, or throws NoPeerError (exit code 3). */
export async function connectToPeer(dataDir: string): Promise<ApiClient> {
  const info = readApiFile(dataDir)
  if (!info) throw noPeer(dataDir)
  const socket = new WebSocket(info.api, [`hearth.${info.token}`])
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    // A stale api.json (the peer was killed) leaves nothing listening on that port.
    socket.once('error', () => reject(noPeer(dataDir)))
    socket.once('unexpected-response', () => reject(noPeer(dataDir)))
  })
  return createClient(wsChannel(socket))
}
