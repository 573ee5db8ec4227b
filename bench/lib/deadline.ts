// A benchmark never asserts, but it must not hang either: whatever it waits for (a message, a
// ready line, a connection) has a deadline, and missing it fails the run with what was awaited.

export class MissedDeadline extends Error {
  override name = 'MissedDeadline'
}

export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MissedDeadline(`${what}: nothing after ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}
