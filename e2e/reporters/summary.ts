// Runs beside Playwright's list reporter, which marks a skipped test with a dash and nothing else.
// After the list's own summary this says why each group of tests was skipped (the description
// given to test.skip), so a run where Electron or Chromium is missing says so instead of passing
// quietly, and ends with the plain count line other tools read: "e2e: N passed, N failed, N skipped".
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter'

export default class Summary implements Reporter {
  private passed = 0
  private failed = 0
  /** "where: reason" → how many tests it skipped, in the order first seen. */
  private readonly skipped = new Map<string, number>()

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status === 'passed') this.passed++
    else if (result.status !== 'skipped') this.failed++
    else {
      const reason =
        [...result.annotations, ...test.annotations].find((a) => a.type === 'skip')?.description ??
        'not run: an earlier test of its serial group failed'
      const [project, file, ...groups] = test.parent.titlePath().filter((t) => t !== '')
      const key = `[${project}] ${[file, ...groups].join(' › ')}: ${reason}`
      this.skipped.set(key, (this.skipped.get(key) ?? 0) + 1)
    }
  }

  onEnd(result: FullResult): void {
    const ended = this.passed + this.failed + this.skipped.size
    // `playwright test --list` runs nothing: there is nothing to count.
    if (ended === 0 && result.status === 'passed') return
    let skipped = 0
    if (this.skipped.size > 0) console.log('\n  Skipped:')
    for (const [key, count] of this.skipped) {
      skipped += count
      console.log(`    ${count} ${count === 1 ? 'test' : 'tests'} in ${key}`)
    }
    if (result.status !== 'passed' && this.failed === 0) {
      console.log(
        `\n  The run ${result.status === 'failed' ? 'failed' : 'was ' + result.status}` +
          ' outside any test: see the errors above.',
      )
    }
    console.log(`\ne2e: ${this.passed} passed, ${this.failed} failed, ${skipped} skipped`)
  }

  printsToStdio(): boolean {
    return true
  }
}
