/** The `switchyard` commands, each a function of parsed arguments and a host. */
import { ECHO_PROTOCOL } from '@switchyard/echo'
import { type ByteStream, readAll } from '@switchyard/interface'
import { PERF_PROTOCOL, type PerfResult, runPerf } from '@switchyard/perf'
import { PING_PROTOCOL, Pinger } from '@switchyard/ping'
import type { BenchTest } from './args.js'
import type { Host, HostConnection } from './host.js'
import { progressBar } from './progress.js'
import { formatBytes, megabytesPerSecond } from './sizes.js'

/** Where commands print: results to `out`, human chatter to `err`. */
export interface Output {
  out: (line: string) => void
  err: (line: string) => void
}

/** `switchyard listen`: prints each address, then READY; serves until SIGINT/SIGTERM. */
export async function listenCommand(host: Host, addrs: readonly string[], io: Output): Promise<void> {
  for (const addr of await host.listen(addrs)) io.out(addr)
  io.out('READY')
  await new Promise<void>((resolve) => {
    const stats = () => {
      // Under `node --expose-gc`, collect first so that the figures are live memory.
      ;(globalThis as { gc?: () => void }).gc?.()
      const m = process.memoryUsage()
      io.out(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, ...host.stats() }))
    }
    const stop = () => {
      process.off('SIGUSR2', stats)
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGUSR2', stats)
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  await host.close({ signal: AbortSignal.timeout(5000) })
}

/** Result of `switchyard ping`. */
export interface PingSummary {
  rttsMs: number[]
}

/** `switchyard ping`: `count` round trips on one stream. */
export async function pingCommand(host: Host, addr: string, count: number, io: Output): Promise<PingSummary> {
  const conn = await host.dial(addr)
  try {
    return await pingOn(conn, count, io)
  } finally {
    await conn.close()
  }
}

/** `count` pings on one new stream of `conn`, a line each, then a summary line. */
export async function pingOn(conn: HostConnection, count: number, io: Output): Promise<PingSummary> {
  const stream = await conn.newStream(PING_PROTOCOL)
  const pinger = new Pinger(stream)
  const rttsMs: number[] = []
  try {
    for (let i = 0; i < count; i++) {
      const rtt = await pinger.ping()
      rttsMs.push(rtt)
      io.out(`pong from ${conn.remotePeer}: seq=${i} time=${rtt.toFixed(3)} ms`)
    }
  } finally {
    pinger.close()
    // Let the remote end its side too, so closing the connection right after does
    // not wait out the muxer's close timeout for a half-open stream.
    await closedWithin(stream, 1000)
  }
  const sorted = [...rttsMs].sort((a, b) => a - b)
  io.out(
    `${count} pings: min ${sorted[0]!.toFixed(3)} ms, median ${median(sorted).toFixed(3)} ms, max ${sorted.at(-1)!.toFixed(3)} ms`,
  )
  return { rttsMs }
}

/** Result of `switchyard perf`, also its `--json` output. */
export interface PerfSummary {
  streams: number
  uploadBytes: number
  downloadBytes: number
  uploadMBps: number
  downloadMBps: number
  totalMs: number
}

/**
 * `switchyard perf`: `streams` concurrent perf streams on one connection, each
 * moving `upload` and `download` bytes. Rates are MB/s (10^6 bytes) over the
 * slowest stream's time for that direction.
 */
export async function perfCommand(
  host: Host,
  opts: { addr: string; upload: number; download: number; streams: number; json: boolean },
  io: Output,
): Promise<PerfSummary> {
  const conn = await host.dial(opts.addr)
  try {
    return await runPerfStreams(conn, opts, io)
  } finally {
    await conn.close()
  }
}

async function runPerfStreams(
  conn: HostConnection,
  opts: { upload: number; download: number; streams: number; json: boolean },
  io: Output,
): Promise<PerfSummary> {
  const total = (opts.upload + opts.download) * opts.streams
  const bar = opts.json ? undefined : progressBar('perf', total)
  const moved = new Array<number>(opts.streams).fill(0)
  const start = performance.now()
  const results: PerfResult[] = await Promise.all(
    moved.map(async (_, i) =>
      runPerf(await conn.newStream(PERF_PROTOCOL), {
        uploadBytes: opts.upload,
        downloadBytes: opts.download,
        onProgress: (p) => {
          moved[i] = p.uploadedBytes + p.downloadedBytes
          bar?.update(moved.reduce((a, b) => a + b, 0))
        },
      }),
    ),
  )
  const totalMs = performance.now() - start
  bar?.finish()
  const uploadMs = Math.max(...results.map((r) => r.uploadMs))
  const downloadMs = Math.max(...results.map((r) => r.downloadMs))
  const summary: PerfSummary = {
    streams: opts.streams,
    uploadBytes: opts.upload * opts.streams,
    downloadBytes: opts.download * opts.streams,
    uploadMBps: round(megabytesPerSecond(opts.upload * opts.streams, uploadMs)),
    downloadMBps: round(megabytesPerSecond(opts.download * opts.streams, downloadMs)),
    totalMs: round(totalMs),
  }
  if (opts.json) io.out(JSON.stringify(summary))
  else {
    if (opts.upload > 0) io.out(`upload   ${formatBytes(summary.uploadBytes)} at ${summary.uploadMBps} MB/s`)
    if (opts.download > 0)
      io.out(`download ${formatBytes(summary.downloadBytes)} at ${summary.downloadMBps} MB/s`)
  }
  return summary
}

/** Sizes of the bench workloads; `scale` shrinks them for quick runs and tests. */
export function benchSizes(scale: number) {
  const s = (n: number, min = 1) => Math.max(min, Math.round(n * scale))
  return {
    pings: s(100),
    echoes: s(1000),
    streamsSequential: s(1000),
    streamsConcurrent: s(5000),
    streamsInFlight: 64,
    perfBytes: s(1024 ** 3, 1024),
    perfStreams: 8,
    perfStreamBytes: s(128 * 1024 ** 2, 1024),
    connects: s(200),
    clients: s(100, 2),
  }
}

/**
 * `switchyard bench`: one JSON object with every requested measurement. Tests on
 * one connection share a dial of `host`; `connect` and `cconnect` measure new
 * connections, from hosts made by `newHost` (a switch reuses its connection to a
 * peer, so "N clients dialing at once" are N hosts).
 */
export async function benchCommand(
  host: Host,
  opts: { addr: string; tests: readonly BenchTest[]; json: boolean; scale: number },
  io: Output,
  newHost: () => Promise<Host>,
): Promise<Record<string, unknown>> {
  const sizes = benchSizes(opts.scale)
  const report: Record<string, unknown> = {}
  const quiet: Output = { out: () => {}, err: io.err }
  const conn = await host.dial(opts.addr)
  try {
    for (const test of opts.tests) {
      io.err(`bench: ${test}`)
      switch (test) {
        case 'ping': {
          const { rttsMs } = await pingOn(conn, sizes.pings, quiet)
          report.ping = latencyStats(rttsMs)
          break
        }
        case 'echo': {
          const stream = await conn.newStream(ECHO_PROTOCOL)
          const times: number[] = []
          const one = new Uint8Array(1)
          await new Promise<void>((resolve, reject) => {
            let t0 = 0
            let left = sizes.echoes
            stream.onceClosed((err) => (err ? reject(err) : resolve()))
            stream.setSink({
              onData() {
                times.push(performance.now() - t0)
                if (--left === 0) {
                  stream.end()
                  return
                }
                t0 = performance.now()
                stream.write(one)
              },
              onEnd() {
                resolve()
              },
            })
            t0 = performance.now()
            stream.write(one)
          })
          report.echo = latencyStats(times)
          break
        }
        case 'streams': {
          const t0 = performance.now()
          for (let i = 0; i < sizes.streamsSequential; i++) await echoOneByte(conn)
          const seq = sizes.streamsSequential / ((performance.now() - t0) / 1000)
          const t1 = performance.now()
          let next = 0
          await Promise.all(
            Array.from({ length: sizes.streamsInFlight }, async () => {
              while (next++ < sizes.streamsConcurrent) await echoOneByte(conn)
            }),
          )
          const conc = sizes.streamsConcurrent / ((performance.now() - t1) / 1000)
          report.streams = {
            sequentialPerSec: round(seq),
            concurrentPerSec: round(conc),
            inFlight: sizes.streamsInFlight,
          }
          break
        }
        case 'perf': {
          const down = await runPerfStreams(
            conn,
            { upload: 0, download: sizes.perfBytes, streams: 1, json: true },
            quiet,
          )
          const up = await runPerfStreams(
            conn,
            { upload: sizes.perfBytes, download: 0, streams: 1, json: true },
            quiet,
          )
          const multi = await runPerfStreams(
            conn,
            { upload: 0, download: sizes.perfStreamBytes, streams: sizes.perfStreams, json: true },
            quiet,
          )
          report.perf = {
            downloadMBps: down.downloadMBps,
            uploadMBps: up.uploadMBps,
            multiStreamDownloadMBps: multi.downloadMBps,
            bytes: sizes.perfBytes,
            streams: sizes.perfStreams,
            streamBytes: sizes.perfStreamBytes,
          }
          break
        }
        case 'connect': {
          const client = await newHost()
          try {
            const times: number[] = []
            for (let i = 0; i < sizes.connects; i++) {
              const t0 = performance.now()
              const c = await client.dial(opts.addr)
              times.push(performance.now() - t0)
              await c.close()
            }
            report.connect = latencyStats(times)
          } finally {
            await client.close()
          }
          break
        }
        case 'cconnect': {
          const clients = await Promise.all(Array.from({ length: sizes.clients }, () => newHost()))
          try {
            const t0 = performance.now()
            const conns = await Promise.all(clients.map((c) => c.dial(opts.addr)))
            const perSec = sizes.clients / ((performance.now() - t0) / 1000)
            await Promise.all(conns.map((c) => c.close()))
            report.cconnect = { clients: sizes.clients, connectionsPerSec: round(perSec) }
          } finally {
            await Promise.all(clients.map((c) => c.close()))
          }
          break
        }
      }
    }
  } finally {
    await conn.close()
  }
  if (opts.json) io.out(JSON.stringify(report))
  else io.out(JSON.stringify(report, null, 2))
  return report
}

/** Resolves when `stream` has closed, or after `ms` (whichever is first); never rejects. */
function closedWithin(stream: ByteStream, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    stream.onceClosed(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}

async function echoOneByte(conn: HostConnection): Promise<void> {
  const stream = await conn.newStream(ECHO_PROTOCOL)
  const reply = readAll(stream, { maxBytes: 1 })
  stream.write(new Uint8Array([42]))
  stream.end()
  await reply
}

function latencyStats(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b)
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!)
  return { count: ms.length, medianMs: round(median(sorted)), p10Ms: at(0.1), p90Ms: at(0.9) }
}

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000
}
