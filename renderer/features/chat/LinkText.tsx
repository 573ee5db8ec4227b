// Message text with its web links made clickable. Everything is rendered as text nodes; a link is
// a button that asks before anything opens, so a click never navigates on its own.
import { useMemo } from 'react'
import { splitLinks } from './links.ts'

export function LinkText(props: { text: string; onOpenLink(url: string): void }) {
  const segments = useMemo(() => splitLinks(props.text), [props.text])
  return (
    <>
      {segments.map((segment, i) =>
        segment.kind === 'text' ? (
          <span key={i}>{segment.text}</span>
        ) : (
          <button
            key={i}
            type="button"
            className="link"
            onClick={() => props.onOpenLink(segment.url)}
          >
            {segment.text}
          </button>
        ),
      )}
    </>
  )
}
