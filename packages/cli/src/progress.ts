/**
 * A one-line progress bar on a TTY (redrawn in place, at most every 100 ms);
 * silent when the stream is not a TTY, so piped output stays clean.
 */
import type { WriteStream } from 'node:tty'
import { formatBytes } from './sizes.js'

export interface ProgressBar {
  update(doneBytes: number): void
  finish(): void
}

export function progressBar(
  label: string,
  totalBytes: number,
  out: NodeJS.WriteStream = process.stderr,
): ProgressBar {
  const tty = (out as WriteStream).isTTY === true
  const start = performance.now()
  let last = 0
  const draw = (done: number) => {
    const width = 30
    const fraction = totalBytes === 0 ? 1 : Math.min(1, done / totalBytes)
    const filled = Math.round(fraction * width)
    const seconds = (performance.now() - start) / 1000
    const rate = seconds > 0 ? done / seconds : 0
    out.write(
      `\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
        `${formatBytes(done)} / ${formatBytes(totalBytes)}  ${formatBytes(rate)}/s   `,
    )
  }
  return {
    update(done) {
      if (!tty) return
      const now = performance.now()
      if (now - last < 100) return
      last = now
      draw(done)
    },
    finish() {
      if (!tty) return
      draw(totalBytes)
      out.write('\n')
    },
  }
}
