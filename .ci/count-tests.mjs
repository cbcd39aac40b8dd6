// Sums the vitest JSON reports of every package into one line: `N passed, N failed`.
// A package whose test task ran but wrote no report counts as one failure, so a
// crashed run can never look green.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
let passed = 0
let failed = 0
for (const dir of ['packages', 'tooling']) {
  for (const name of readdirSync(join(root, dir))) {
    const pkgDir = join(root, dir, name)
    const pkgJson = join(pkgDir, 'package.json')
    if (!existsSync(pkgJson) || !JSON.parse(readFileSync(pkgJson, 'utf8')).scripts?.test) continue
    const report = join(pkgDir, '.test-results', 'vitest.json')
    if (!existsSync(report)) {
      console.error(`no test report for ${dir}/${name}`)
      failed += 1
      continue
    }
    const r = JSON.parse(readFileSync(report, 'utf8'))
    passed += r.numPassedTests
    failed += r.numFailedTests
    // A suite that failed to load has no tests in it but must still count.
    failed += (r.testResults ?? []).filter(
      (f) => f.status === 'failed' && f.assertionResults.length === 0,
    ).length
  }
}
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed > 0 ? 1 : 0
