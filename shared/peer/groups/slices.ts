// Long checks are written as generators that yield between slices of work, so one code path
// serves a synchronous caller and an asynchronous one that lets the event loop run in between:
// a peer catching up on 100,000 entries must keep answering its other streams and its user.

/** Runs a sliced computation without pausing. */
export function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next()
    if (step.done === true) return step.value
  }
}

/**
 * Runs a sliced computation, giving the event loop a turn (I/O included) after every slice.
 * Rejects with the signal's reason once `signal` is aborted, without running another slice.
 */
export async function runSliced<T>(steps: Generator<void, T>, signal?: AbortSignal): Promise<T> {
  for (;;) {
    signal?.throwIfAborted()
    const step = steps.next()
    if (step.done === true) return step.value
    await pause()
  }
}

/** Lets the event loop run everything that is waiting, I/O included, then resumes. */
export function pause(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
