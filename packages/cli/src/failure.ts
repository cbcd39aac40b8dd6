/**
 * How the `switchyard` command reports a failure: one line on stderr and an
 * exit code (2 for a usage error, whose line points at `switchyard help`; 1 for
 * anything else). The line names the error's string code when it has one.
 */
import { UsageError } from './args.js'

/** The exit code and the one-line message of a failed command. */
export interface Failure {
  exitCode: 1 | 2
  /** One line, no trailing newline, prefixed with `switchyard: `. */
  line: string
  /** True for a usage error. */
  usage: boolean
}

export function describeFailure(err: unknown): Failure {
  if (err instanceof UsageError)
    return {
      exitCode: 2,
      line: `switchyard: ${oneLine(err.message)} (see: switchyard help)`,
      usage: true,
    }
  let text: string
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    const message = err.message === '' ? err.name : err.message
    text = typeof code === 'string' && code !== '' ? `${code}: ${message}` : message
  } else {
    text = String(err)
  }
  return { exitCode: 1, line: `switchyard: ${oneLine(text)}`, usage: false }
}

/** Collapses line breaks so a message from deep inside a library stays one line. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim()
}
