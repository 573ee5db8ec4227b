// Wire frames of the UI ↔ peer RPC: requests carry an id, replies echo it, events carry none.
import { z } from 'zod'
import { errorCodes } from '../api/errors.ts'

export const MAX_FRAME_CHARS = 8 * 1024 * 1024

export const RequestFrame = z.object({
  t: z.literal('req'),
  id: z.number().int().nonnegative(),
  cmd: z.string().max(64),
  input: z.unknown(),
})
export const ReplyFrame = z.union([
  z.object({ t: z.literal('res'), id: z.number().int(), ok: z.literal(true), output: z.unknown() }),
  z.object({
    t: z.literal('res'),
    id: z.number().int(),
    ok: z.literal(false),
    error: z.object({ code: z.enum(errorCodes), message: z.string() }),
  }),
])
export const EventFrame = z.object({ t: z.literal('evt'), name: z.string(), payload: z.unknown() })
export const ServerFrame = z.union([ReplyFrame, EventFrame])

export type RequestFrame = z.infer<typeof RequestFrame>
export type ReplyFrame = z.infer<typeof ReplyFrame>
export type EventFrame = z.infer<typeof EventFrame>

/** Parses JSON text, returning undefined for anything that is not JSON (never throws). */
export function parseJson(text: string): unknown {
  if (text.length > MAX_FRAME_CHARS) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
