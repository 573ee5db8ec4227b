// The window opens where the person left it: size, position and maximised state, kept as a small
// JSON file in the data folder. A stale position (a monitor was unplugged) never puts the window
// off screen.
import fs from 'node:fs'
import path from 'node:path'
import { ensureFolder } from '../shared/peer/portable/layout.ts'
import { z } from 'zod'

export const MIN_WIDTH = 480
export const MIN_HEIGHT = 400
const MAX_SIDE = 16_384
const STATE_FILE_MAX_BYTES = 4096
/** How much of the window's top strip must be on some screen for the person to grab it. */
const GRAB_WIDTH = 96
const GRAB_HEIGHT = 32

const Coordinate = z.number().int().min(-MAX_SIDE).max(MAX_SIDE)

export const WindowState = z.object({
  x: Coordinate.optional(),
  y: Coordinate.optional(),
  width: z.number().int().min(MIN_WIDTH).max(MAX_SIDE),
  height: z.number().int().min(MIN_HEIGHT).max(MAX_SIDE),
  maximized: z.boolean(),
})
export type WindowState = z.infer<typeof WindowState>

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1100, height: 760, maximized: false }

/** The saved state, or the default when there is none or it cannot be trusted. */
export function loadWindowState(file: string): WindowState {
  let text: string
  try {
    if (fs.statSync(file).size > STATE_FILE_MAX_BYTES) {
      console.warn(`hearth: ${file} is too large to be a window state; using the default`)
      return DEFAULT_WINDOW_STATE
    }
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_WINDOW_STATE
    console.warn(`hearth: could not read ${file} (${String(err)}); using the default`)
    return DEFAULT_WINDOW_STATE
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    console.warn(`hearth: ${file} is not JSON (${String(err)}); using the default`)
    return DEFAULT_WINDOW_STATE
  }
  const parsed = WindowState.safeParse(json)
  if (!parsed.success) {
    console.warn(`hearth: ${file} does not hold a window state; using the default`)
    return DEFAULT_WINDOW_STATE
  }
  return parsed.data
}

/** Writes beside and renames, so a crash mid-write leaves the old state, never half a file. */
export function saveWindowState(file: string, state: WindowState): void {
  const checked = WindowState.parse(state)
  // One level only: if the data folder's parent is gone (a stick pulled out), creating the whole
  // path again would put a stray folder on the host.
  ensureFolder(path.dirname(file))
  const tmp = `${file}.tmp-${process.pid}`
  fs.writeFileSync(tmp, JSON.stringify(checked), { mode: 0o600 })
  fs.renameSync(tmp, file)
}

function overlap(a: Rect, b: Rect): Rect | undefined {
  const x = Math.max(a.x, b.x)
  const y = Math.max(a.y, b.y)
  const width = Math.min(a.x + a.width, b.x + b.width) - x
  const height = Math.min(a.y + a.height, b.y + b.height) - y
  return width > 0 && height > 0 ? { x, y, width, height } : undefined
}

/**
 * Makes a saved state fit the screens there are now: the size is capped by the largest work
 * area, and a position whose title strip is on no screen is dropped (the window is centred).
 */
export function fitToWorkAreas(state: WindowState, workAreas: readonly Rect[]): WindowState {
  if (workAreas.length === 0) return state
  const widest = Math.max(...workAreas.map((a) => a.width))
  const tallest = Math.max(...workAreas.map((a) => a.height))
  const width = Math.max(MIN_WIDTH, Math.min(state.width, widest))
  const height = Math.max(MIN_HEIGHT, Math.min(state.height, tallest))
  const fitted: WindowState = { width, height, maximized: state.maximized }
  if (state.x === undefined || state.y === undefined) return fitted
  const titleStrip = { x: state.x, y: state.y, width, height: GRAB_HEIGHT }
  const grabbable = workAreas.some((area) => {
    const o = overlap(titleStrip, area)
    return o !== undefined && o.width >= Math.min(GRAB_WIDTH, width) && o.height >= GRAB_HEIGHT
  })
  return grabbable ? { ...fitted, x: state.x, y: state.y } : fitted
}
