/**
 * The demo: a listener in a child process, this process as the client. It
 * connects over TCP (Noise + Yamux), pings, runs perf with a progress bar, and
 * prints a short summary.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { type Output, perfCommand, pingOn } from './commands.js'
import { createTcpHost } from './tcp-host.js'

const DOWNLOAD = 256 * 1024 * 1024
const UPLOAD = 64 * 1024 * 1024

export async function runDemo(io: Output): Promise<void> {
  const bin = fileURLToPath(new URL('./bin.js', import.meta.url))
  io.out('Switchyard demo: two switches talking over TCP (Noise + Yamux) on loopback.\n')
  const listener = spawn(process.execPath, [bin, 'listen'], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    const addr = await firstAddress(listener)
    io.out(`listener (pid ${listener.pid}) is at ${addr}`)
    const host = await createTcpHost({})
    io.out(`client is ${host.peerId}\n`)
    try {
      const conn = await host.dial(addr)
      io.out(`connected: ${conn.security} + ${conn.muxer}, negotiated with multistream-select 1.0.0\n`)
      io.out('ping:')
      const { rttsMs } = await pingOn(conn, 5, { out: (l) => io.out(`  ${l}`), err: io.err })
      await conn.close()
      io.out(`\nperf: download ${DOWNLOAD / 1024 ** 2} MiB, then upload ${UPLOAD / 1024 ** 2} MiB`)
      const down = await perfCommand(
        host,
        { addr, upload: 0, download: DOWNLOAD, streams: 1, json: false },
        io,
      )
      const up = await perfCommand(host, { addr, upload: UPLOAD, download: 0, streams: 1, json: false }, io)
      const sorted = [...rttsMs].sort((a, b) => a - b)
      io.out('\nsummary:')
      io.out(`  connection  TCP + ${conn.security} + ${conn.muxer}`)
      io.out(`  ping        median ${sorted[sorted.length >> 1]!.toFixed(3)} ms over ${rttsMs.length} pings`)
      io.out(`  download    ${down.downloadMBps} MB/s`)
      io.out(`  upload      ${up.uploadMBps} MB/s`)
    } finally {
      await host.close()
    }
  } finally {
    listener.kill('SIGTERM')
  }
}

function firstAddress(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    let addr: string | undefined
    const timer = setTimeout(() => reject(new Error('the listener did not print READY within 10 s')), 10_000)
    lines.on('line', (line) => {
      if (line === 'READY') {
        clearTimeout(timer)
        if (addr === undefined) reject(new Error('the listener printed no address'))
        else resolve(addr)
      } else addr ??= line
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the listener exited with code ${code}`))
    })
  })
}
