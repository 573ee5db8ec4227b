import type { ReactNode } from 'react'
import { Avatar } from './Avatar.tsx'

/** A group's picture and name at the head of its chat or shelf, with what goes under the name. */
export function GroupTitle(props: {
  groupId: string
  name: string
  headingId: string
  children?: ReactNode
}) {
  return (
    <>
      <Avatar id={props.groupId} name={props.name} />
      <div className="chat-title">
        <h2 id={props.headingId} dir="auto" title={props.name}>
          {props.name}
        </h2>
        {props.children}
      </div>
    </>
  )
}
