// A media type for a new shelf entry, from the file's extension only: it is a hint for showing
// the file (an icon, a thumbnail), never a reason to open or run it.
const BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  html: 'text/html',
  json: 'application/json',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  mp4: 'video/mp4',
  webm: 'video/webm',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  hwp: 'application/x-hwp',
}

export const UNKNOWN_MEDIA_TYPE = 'application/octet-stream'

export function mediaTypeOf(name: string): string {
  const dot = name.lastIndexOf('.')
  if (dot <= 0) return UNKNOWN_MEDIA_TYPE
  return BY_EXTENSION[name.slice(dot + 1).toLowerCase()] ?? UNKNOWN_MEDIA_TYPE
}
