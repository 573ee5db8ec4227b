// Types for bin/bundle.js (plain JavaScript so that choosing what to run strips no types).
export declare const BUNDLE_DIR: string
export declare const BUNDLE_ENTRY: string
export declare const BUNDLE_MANIFEST: string
export declare const COMPILE_CACHE: string
export declare function freshBundle(root: string | URL): URL | null
export declare function useCompileCache(entry: URL): void
