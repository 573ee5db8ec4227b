// Sends a file's bytes to the peer over the contract: begin, then chunks in order (each read from
// the file only when it is sent, so memory stays flat), then finish. Runs the same in a browser,
// the desktop window and tests (a Blob is all it needs).
import { UPLOAD_CHUNK_BYTES, type CommandOutput } from '../../../shared/api/index.ts'
import { shelfNameFor } from '../../../shared/api/names.ts'
import type { ApiClient } from '../../../shared/rpc/index.ts'

export interface UploadSource {
  readonly name: string
  readonly size: number
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> }
}

/** Base64 of `bytes`, in pieces small enough for String.fromCharCode's argument limit. */
export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000))
  }
  return btoa(binary)
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/**
 * Uploads `file` to `folder` on the group's shelf under a valid shelf name made from its own.
 * `onProgress` hears the bytes the peer has taken; aborting `signal` cancels the upload (the
 * peer removes what it got).
 */
export async function uploadFile(
  client: ApiClient,
  group: string,
  folder: string,
  file: UploadSource,
  onProgress?: (sent: number) => void,
  signal?: AbortSignal,
): Promise<CommandOutput<'shelf.finishUpload'>> {
  signal?.throwIfAborted()
  const { uploadId, chunkBytes } = await client.call('shelf.beginUpload', {
    group,
    name: shelfNameFor(file.name),
    ...(folder !== '' && { folder }),
    size: file.size,
  })
  const step = Math.min(chunkBytes, UPLOAD_CHUNK_BYTES)
  try {
    for (let offset = 0; offset < file.size; offset += step) {
      signal?.throwIfAborted()
      const bytes = new Uint8Array(await file.slice(offset, offset + step).arrayBuffer())
      const { received } = await client.call('shelf.uploadChunk', {
        uploadId,
        offset,
        data: toBase64(bytes),
      })
      onProgress?.(received)
    }
    signal?.throwIfAborted()
    return await client.call('shelf.finishUpload', { uploadId })
  } catch (err) {
    // The peer would drop it after a minute anyway; telling it now frees the space at once.
    await client.call('shelf.cancelUpload', { uploadId }).catch((cancelErr: unknown) => {
      // Usually it is gone already (the peer ended it); either way the first error is the news.
      console.warn('hearth ui: the upload could not be cancelled', cancelErr)
    })
    throw err
  }
}
