#!/usr/bin/env node
/** `pnpm demo` entry point: runs the demo and exits with its status. */
import { runDemo } from './demo-run.js'

runDemo({
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then(
  () => process.exit(0),
  (err: Error & { code?: string }) => {
    process.stderr.write(`demo failed: ${err.code !== undefined ? `${err.code}: ` : ''}${err.message}\n`)
    process.exit(1)
  },
)
