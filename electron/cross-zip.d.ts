// cross-zip (the zipper Forge's own zip maker uses) ships no types; this is the one call we make.
declare module 'cross-zip' {
  /** Zips the folder `inPath` (the folder itself, not only its contents) into `outPath`. */
  export function zip(inPath: string, outPath: string, callback: (err?: Error | null) => void): void
}
