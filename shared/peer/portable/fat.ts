// What a data folder on a FAT32 or exFAT stick may hold, checked in code because no FAT driver
// is at hand where the tests run: no symbolic links (neither file system has them), no file of
// 4 GiB or more (FAT32's limit), and names Windows accepts (people carry the stick to Windows
// PCs). Everything Hearth writes is named by code, so these rules are kept by construction;
// `fatProblems` checks a whole tree after the fact (the tests run it on a real session's folder).
import { lstat, readdir } from 'node:fs/promises'
import path from 'node:path'

/** The largest file FAT32 can hold: 4 GiB minus one byte. */
export const FAT_MAX_FILE_BYTES = 2 ** 32 - 1

/** Windows' limit on one name, in UTF-16 code units. */
const MAX_NAME_UNITS = 255

/**
 * Room left for the path of the folder that holds the data, under Windows' classic 260-character
 * limit: `E:\Hearth\HearthData\` is 21, a deeper copy a few dozen more.
 */
export const MAX_RELATIVE_PATH = 200

// Names Windows reserves for devices, with or without an extension ("nul.txt" is the device too).
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i
// Characters Windows refuses in a name, and the controls (FAT stores none of them).
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[<>:"/\\|?*\u0000-\u001f]/

/** Why `name` cannot be a file or folder name on FAT/exFAT under Windows, or undefined if it can. */
export function windowsNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty'
  if (name === '.' || name === '..') return `"${name}" is not a name`
  if (FORBIDDEN.test(name))
    return `"${name}" holds a character Windows refuses (<>:"/\\|?* or a control)`
  if (/[ .]$/.test(name)) return `"${name}" ends with a space or a dot, which Windows drops`
  if (RESERVED.test(name)) return `"${name}" is a device name Windows reserves`
  if (name.length > MAX_NAME_UNITS) return `"${name.slice(0, 20)}…" is longer than 255 characters`
  return undefined
}

/**
 * Everything under `root` that a FAT32 stick read on Windows could not hold: symbolic links,
 * files of 4 GiB or more, illegal names, names differing only in case within one folder (FAT
 * ignores case), and paths too long for Windows. Returns one line per problem, relative to root.
 */
export async function fatProblems(root: string): Promise<string[]> {
  const problems: string[] = []
  const walk = async (dir: string): Promise<void> => {
    const seen = new Map<string, string>()
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      const rel = path.relative(root, full)
      const nameProblem = windowsNameProblem(entry.name)
      if (nameProblem) problems.push(`${rel}: ${nameProblem}`)
      const folded = entry.name.toLowerCase()
      const twin = seen.get(folded)
      if (twin !== undefined) problems.push(`${rel}: differs from ${twin} only in case`)
      seen.set(folded, entry.name)
      if (rel.length > MAX_RELATIVE_PATH) {
        problems.push(`${rel}: the path is longer than ${MAX_RELATIVE_PATH} characters`)
      }
      if (entry.isSymbolicLink()) {
        problems.push(`${rel}: a symbolic link (FAT and exFAT have none)`)
      } else if (entry.isDirectory()) {
        await walk(full)
      } else {
        const { size } = await lstat(full)
        if (size > FAT_MAX_FILE_BYTES) problems.push(`${rel}: ${size} bytes, over FAT32's 4 GiB`)
      }
    }
  }
  await walk(root)
  return problems
}
