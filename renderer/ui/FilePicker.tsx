import type { Ref } from 'react'

/** The system's file chooser, hidden: a button elsewhere opens it with `inputRef.current.click()`. */
export function FilePicker(props: {
  inputRef: Ref<HTMLInputElement>
  testId: string
  onFiles(files: File[]): void
}) {
  return (
    <input
      ref={props.inputRef}
      type="file"
      multiple
      hidden
      data-testid={props.testId}
      onChange={(event) => {
        props.onFiles([...(event.target.files ?? [])])
        // The same file can be chosen again.
        event.target.value = ''
      }}
    />
  )
}
