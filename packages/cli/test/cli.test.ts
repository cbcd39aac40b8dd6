/**
 * The `switchyard` commands end to end over real TCP on loopback, in process:
 * two `createTcpHost` nodes (transport-tcp + Noise + Yamux + multistream-select),
 * one listening through `listenCommand` (its signal handlers invoked directly),
 * the other running ping, perf and bench at a tiny scale. Also the failure paths
 * the command prints as one line with a non-zero exit code.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SwitchyardError } from '@switchyard/interface'
import { generateKeyPair, peerIdFromPrivateKey } from '@switchyard/peer-id'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BENCH_TESTS,
  benchCommand,
  benchSizes,
  createTcpHost,
  describeFailure,
  type Host,
  listenCommand,
  type Output,
  perfCommand,
  pingCommand,
} from '../src/index.js'

/** An Output that keeps what was printed. */
function capture(): Output & { lines: string[]; errLines: string[] } {
  const lines: string[] = []
  const errLines: string[] = []
  return { lines, errLines, out: (l) => lines.push(l), err: (l) => errLines.push(l) }
}

/** The listeners `listenCommand` added for `signal` (others, e.g. the test runner's, are left alone). */
function addedListeners(signal: NodeJS.Signals, before: readonly unknown[]): Array<() => void> {
  return process.listeners(signal).filter((l) => !before.includes(l)) as Array<() => void>
}

async function failureOf(p: Promise<unknown>) {
  try {
    await p
  } catch (err) {
    return { err, ...describeFailure(err) }
  }
  throw new Error('expected a failure')
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

describe('switchyard listen / ping / perf / bench', () => {
  let server: Host
  let client: Host
  let addr: string
  let listening: Promise<void>
  const listenOut = capture()
  const before = {
    SIGINT: process.listeners('SIGINT'),
    SIGTERM: process.listeners('SIGTERM'),
    SIGUSR2: process.listeners('SIGUSR2'),
  }

  beforeAll(async () => {
    server = await createTcpHost({})
    client = await createTcpHost({})
    listening = listenCommand(server, ['/ip4/127.0.0.1/tcp/0'], listenOut)
    // READY is printed synchronously after the addresses, once listen() resolved.
    while (!listenOut.lines.includes('READY')) await new Promise((r) => setTimeout(r, 5))
    addr = listenOut.lines[0]!
  })

  afterAll(async () => {
    await client?.close()
    for (const stop of addedListeners('SIGTERM', before.SIGTERM)) stop()
    await listening
  })

  it('prints each address with /p2p/<peer id>, then READY', () => {
    expect(listenOut.lines.length).toBe(2)
    expect(addr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW\w+$/)
    expect(addr.endsWith(`/p2p/${server.peerId}`)).toBe(true)
    expect(listenOut.lines[1]).toBe('READY')
    expect(addedListeners('SIGINT', before.SIGINT)).toHaveLength(1)
    expect(addedListeners('SIGTERM', before.SIGTERM)).toHaveLength(1)
    expect(addedListeners('SIGUSR2', before.SIGUSR2)).toHaveLength(1)
  })

  it('ping: count round trips, one line each and a summary', async () => {
    const io = capture()
    const { rttsMs } = await pingCommand(client, addr, 3, io)
    expect(rttsMs).toHaveLength(3)
    expect(rttsMs.every((t) => t >= 0)).toBe(true)
    expect(io.lines).toHaveLength(4)
    for (let i = 0; i < 3; i++)
      expect(io.lines[i]).toMatch(new RegExp(`^pong from ${server.peerId}: seq=${i} time=`))
    expect(io.lines[3]).toMatch(/^3 pings: min [\d.]+ ms, median [\d.]+ ms, max [\d.]+ ms$/)
  })

  it('perf --json: upload and download on several streams, one JSON line', async () => {
    const io = capture()
    const summary = await perfCommand(
      client,
      { addr, upload: 100_000, download: 300_001, streams: 3, json: true },
      io,
    )
    expect(summary).toMatchObject({ streams: 3, uploadBytes: 300_000, downloadBytes: 900_003 })
    expect(summary.uploadMBps).toBeGreaterThan(0)
    expect(summary.downloadMBps).toBeGreaterThan(0)
    expect(io.lines).toHaveLength(1)
    expect(JSON.parse(io.lines[0]!)).toEqual(summary)
  })

  it('perf without --json prints a line per direction', async () => {
    const io = capture()
    await perfCommand(client, { addr, upload: 0, download: 65_536, streams: 1, json: false }, io)
    expect(io.lines).toHaveLength(1)
    expect(io.lines[0]).toMatch(/^download 64(\.0)? KiB at [\d.]+ MB\/s$/)
  })

  it('bench --json at a tiny scale: one JSON object with every test', async () => {
    const io = capture()
    const report = await benchCommand(
      client,
      { addr, tests: BENCH_TESTS, json: true, scale: 0.001 },
      io,
      () => createTcpHost({}),
    )
    expect(io.lines).toHaveLength(1)
    expect(JSON.parse(io.lines[0]!)).toEqual(report)
    expect(Object.keys(report).sort()).toEqual([...BENCH_TESTS].sort())
    expect(report.ping).toMatchObject({ count: 1 })
    expect(report.echo).toMatchObject({ count: 1 })
    expect(report.streams).toMatchObject({ inFlight: 64 })
    expect(report.perf).toMatchObject({ bytes: benchSizes(0.001).perfBytes, streams: 8 })
    expect(report.connect).toMatchObject({ count: 1 })
    expect(report.cconnect).toMatchObject({ clients: 2 })
    expect(io.errLines).toEqual(BENCH_TESTS.map((t) => `bench: ${t}`))
  })

  it('SIGUSR2 prints one JSON line with memory and connection/stream counts', async () => {
    const conn = await client.dial(addr)
    try {
      // The dialer's upgrade completes one message before the listener's.
      while (server.stats().connections === 0) await new Promise((r) => setTimeout(r, 5))
      const printed = listenOut.lines.length
      for (const stats of addedListeners('SIGUSR2', before.SIGUSR2)) stats()
      expect(listenOut.lines.length).toBe(printed + 1)
      const stats = JSON.parse(listenOut.lines.at(-1)!)
      expect(Object.keys(stats).sort()).toEqual(['connections', 'external', 'heapUsed', 'rss', 'streams'])
      expect(stats.rss).toBeGreaterThan(0)
      expect(stats.heapUsed).toBeGreaterThan(0)
      expect(stats.connections).toBeGreaterThanOrEqual(1)
      expect(stats.streams).toBeGreaterThanOrEqual(0)
      expect(client.stats().connections).toBeGreaterThanOrEqual(1)
    } finally {
      await conn.close()
    }
  })

  it('fails with a one-line error: unreachable address', async () => {
    const port = await closedPort()
    // A peer we have no connection to (the switch would reuse one to server.peerId).
    const stranger = peerIdFromPrivateKey(generateKeyPair()).toString()
    const f = await failureOf(pingCommand(client, `/ip4/127.0.0.1/tcp/${port}/p2p/${stranger}`, 1, capture()))
    expect(SwitchyardError.is(f.err)).toBe(true)
    expect(f.exitCode).toBe(1)
    expect(f.line).toMatch(/^switchyard: [A-Z_]+: /)
    expect(f.line).not.toMatch(/\n/)
  })

  it('fails with a one-line error: bad multiaddr, missing /p2p, wrong peer id', async () => {
    const bad = await failureOf(client.dial('not a multiaddr'))
    expect(bad.exitCode).toBe(1)
    expect(bad.line).toMatch(/^switchyard: .+/)

    const port = addr.split('/')[4]
    const noPeer = await failureOf(pingCommand(client, `/ip4/127.0.0.1/tcp/${port}`, 1, capture()))
    expect(noPeer.err).toBeInstanceOf(TypeError)
    expect(noPeer.line).toBe(
      `switchyard: the address must end with /p2p/<peer id>: /ip4/127.0.0.1/tcp/${port}`,
    )

    // The listener proves a different identity than the one asked for.
    const wrong = await failureOf(
      pingCommand(client, addr.replace(server.peerId, client.peerId), 1, capture()),
    )
    expect(SwitchyardError.is(wrong.err)).toBe(true)
    expect(wrong.line).toMatch(/^switchyard: [A-Z_]+: /)
  })

  it('the listener still serves after the failures', async () => {
    const { rttsMs } = await pingCommand(client, addr, 1, capture())
    expect(rttsMs).toHaveLength(1)
  })
})

describe('SIGINT closes the listener gracefully', () => {
  it('removes its handlers, closes the host and its connections', async () => {
    const server = await createTcpHost({})
    const client = await createTcpHost({})
    const io = capture()
    const before = { SIGINT: process.listeners('SIGINT'), SIGUSR2: process.listeners('SIGUSR2') }
    const listening = listenCommand(server, ['/ip4/127.0.0.1/tcp/0'], io)
    while (!io.lines.includes('READY')) await new Promise((r) => setTimeout(r, 5))
    // SIGINT may come while the listener is still finishing this upgrade: it must not leak.
    const conn = await client.dial(io.lines[0]!)
    const closed = new Promise<void>((resolve) => {
      // The client's connection ends when the listener closes its side.
      const t = setInterval(() => {
        if (client.stats().connections === 0) {
          clearInterval(t)
          resolve()
        }
      }, 5)
    })
    for (const stop of addedListeners('SIGINT', before.SIGINT)) stop()
    await listening
    expect(server.stats()).toEqual({ connections: 0, streams: 0 })
    expect(addedListeners('SIGUSR2', before.SIGUSR2)).toHaveLength(0)
    await closed
    await conn.close().catch(() => {})
    await client.close()
  })
})

describe('--key FILE', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchyard-cli-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('creates the key file (mode 0600) and keeps the identity across runs', async () => {
    const keyFile = join(dir, 'node.key')
    const first = await createTcpHost({ keyFile })
    const second = await createTcpHost({ keyFile })
    expect(second.peerId).toBe(first.peerId)
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
    expect((await readFile(keyFile)).byteLength).toBeGreaterThan(32)
    await Promise.all([first.close(), second.close()])
  })
})
