// A file's picture: for images held here, a thumbnail this window made itself (the bytes come
// from the peer, the browser's decoder reads them, a canvas shows the result: no URL of the file
// ever reaches an <img>); for anything else, or until it is made, an icon of its kind.
import { useEffect, useRef, useState } from 'react'
import type { ShelfFile } from '../../../shared/api/index.ts'
import { displayName } from '../../../shared/api/names.ts'
import { useI18n } from '../../i18n/index.tsx'
import { useShelves } from '../../state/shelves-context.tsx'
import { mayThumbnail } from './image-size.ts'

export function Thumbnail(props: { groupId: string; file: ShelfFile; large?: boolean }) {
  const { t } = useI18n()
  const shelves = useShelves()
  const { groupId, file } = props
  const canvas = useRef<HTMLCanvasElement>(null)
  const [drawn, setDrawn] = useState(false)
  const wanted = mayThumbnail(file)
  useEffect(() => {
    if (!wanted) return
    let live = true
    void shelves.thumbnail(groupId, file).then((bitmap) => {
      const target = canvas.current
      if (!live || bitmap === null || target === null) return
      target.width = bitmap.width
      target.height = bitmap.height
      target.getContext('2d')?.drawImage(bitmap, 0, 0)
      setDrawn(true)
    })
    return () => {
      live = false
    }
    // The file's bytes are what matter: a rename must not redraw it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shelves, groupId, file.fileId, wanted])
  const kind = iconKind(file.mediaType)
  return (
    <span className={`file-visual${props.large === true ? ' large' : ''}`}>
      {wanted && (
        <canvas
          ref={canvas}
          className={`thumbnail${drawn ? ' drawn' : ''}`}
          data-testid="thumbnail"
          role="img"
          aria-label={t.thumbnailOf(displayName(file.name))}
        />
      )}
      {!drawn && (
        <span className={`file-icon ${kind}`} aria-hidden="true">
          {kindLabel(file.name)}
        </span>
      )}
    </span>
  )
}

function iconKind(mediaType: string): string {
  const top = mediaType.split('/')[0]
  return top === 'image' || top === 'audio' || top === 'video' || top === 'text' ? top : 'other'
}

/** The extension in capitals (what people recognise a file by), or a generic mark. */
function kindLabel(name: string): string {
  const dot = name.lastIndexOf('.')
  const ext = dot > 0 ? name.slice(dot + 1) : ''
  return /^[A-Za-z0-9]{1,4}$/.test(ext) ? ext.toUpperCase() : '·'
}
