// A round badge with a name's initial. Decorative: the name itself is always shown beside it.
import { initialOf, toneOf } from './avatar.ts'

export function Avatar(props: { id: string; name: string; size?: 'small' | 'large' }) {
  const size = props.size === undefined ? '' : ` avatar-${props.size}`
  return (
    <span className={`avatar tone-${toneOf(props.id)}${size}`} aria-hidden="true">
      {initialOf(props.name)}
    </span>
  )
}
