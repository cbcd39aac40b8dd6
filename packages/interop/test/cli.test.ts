/**
 * The `switchyard` CLI against a js-libp2p 3 node over TCP + Noise + Yamux, both ways:
 * our `pingCommand` / `perfCommand` / `benchCommand` dial a js-libp2p node (its ping
 * and echo services, plus a small /perf/1.0.0 handler written here), and js-libp2p
 * dials the CLI's `createTcpHost` listener (ping, echo, perf). Small sizes only.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair as jsGenerateKeyPair } from '@libp2p/crypto/keys'
import { echo as jsEcho } from '@libp2p/echo'
import type { Stream } from '@libp2p/interface'
import { ping as jsPing } from '@libp2p/ping'
import { tcp as jsTcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { Uint8ArrayList } from 'uint8arraylist'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// The CLI is not a dependency of this package: its sources are imported directly
// (their own imports resolve from packages/cli), so no build is needed.
import {
  BENCH_TESTS,
  benchCommand,
  createTcpHost,
  type Host,
  listenCommand,
  type Output,
  perfCommand,
  pingCommand,
} from '../../cli/src/index.js'

const PERF = '/perf/1.0.0'

const quiet = (): Output & { lines: string[] } => {
  const lines: string[] = []
  return { lines, out: (l) => lines.push(l), err: () => {} }
}

/**
 * /perf/1.0.0 server for js-libp2p (the spec's server role): read the 8-byte
 * big-endian request, drain the upload to EOF, send the requested zeros, close.
 */
async function jsPerfHandler(stream: Stream): Promise<void> {
  const header = new Uint8ArrayList()
  for await (const buf of stream) {
    if (header.byteLength < 8) header.append(buf)
  }
  if (header.byteLength < 8) {
    stream.abort(new Error('short perf request'))
    return
  }
  const request = header.subarray(0, 8)
  const bytes = Number(new DataView(request.buffer, request.byteOffset, 8).getBigUint64(0))
  const zeros = new Uint8Array(64 * 1024)
  for (let sent = 0; sent < bytes; ) {
    const n = Math.min(zeros.byteLength, bytes - sent)
    sent += n
    if (!stream.send(zeros.subarray(0, n))) await stream.onDrain()
  }
  await stream.close()
}

type JsNode = Libp2p<{
  ping: ReturnType<ReturnType<typeof jsPing>>
  echo: ReturnType<ReturnType<typeof jsEcho>>
}>

async function createJsNode(): Promise<JsNode> {
  const node = await createLibp2p({
    privateKey: await jsGenerateKeyPair('Ed25519'),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [jsTcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // js-libp2p resets inbound connections past 5/s per IP by default; the bench's connect tests dial faster.
    connectionManager: { inboundConnectionThreshold: 10_000, maxIncomingPendingConnections: 1000 },
    // The bench keeps 64 echo streams in flight on one connection (js default: 32 per protocol).
    services: { ping: jsPing(), echo: jsEcho({ maxInboundStreams: 128 }) },
  })
  await node.handle(PERF, jsPerfHandler, { maxInboundStreams: 16 })
  return node
}

describe('switchyard CLI dials js-libp2p', () => {
  let js: JsNode
  let host: Host
  let addr: string

  beforeAll(async () => {
    js = await createJsNode()
    host = await createTcpHost({})
    addr = js.getMultiaddrs()[0]!.toString()
  })

  afterAll(async () => {
    await host?.close()
    await js?.stop()
  })

  it('the address js-libp2p prints ends with its /p2p/<peer id>', () => {
    expect(addr).toMatch(new RegExp(`/p2p/${js.peerId.toString()}$`))
  })

  it('ping', async () => {
    const io = quiet()
    const { rttsMs } = await pingCommand(host, addr, 3, io)
    expect(rttsMs).toHaveLength(3)
    expect(io.lines[0]).toMatch(new RegExp(`^pong from ${js.peerId.toString()}: seq=0 `))
  })

  it('perf: upload and download, 1 and 4 streams', async () => {
    const one = await perfCommand(
      host,
      { addr, upload: 200_000, download: 500_000, streams: 1, json: true },
      quiet(),
    )
    expect(one).toMatchObject({ uploadBytes: 200_000, downloadBytes: 500_000 })
    const four = await perfCommand(
      host,
      { addr, upload: 10_000, download: 300_000, streams: 4, json: true },
      quiet(),
    )
    expect(four).toMatchObject({ streams: 4, uploadBytes: 40_000, downloadBytes: 1_200_000 })
    expect(four.downloadMBps).toBeGreaterThan(0)
  })

  it('bench --json at a tiny scale runs every test', async () => {
    const io = quiet()
    const report = await benchCommand(host, { addr, tests: BENCH_TESTS, json: true, scale: 0.002 }, io, () =>
      createTcpHost({}),
    )
    expect(Object.keys(report).sort()).toEqual([...BENCH_TESTS].sort())
    expect(JSON.parse(io.lines[0]!)).toEqual(report)
  })

  it('leaves no connection open on our side', async () => {
    while (host.stats().connections > 0) await new Promise((r) => setTimeout(r, 10))
    expect(host.stats()).toEqual({ connections: 0, streams: 0 })
  })
})

describe('js-libp2p dials the switchyard listener', () => {
  let js: JsNode
  let host: Host
  let addr: string
  let listening: Promise<void>
  const before = process.listeners('SIGTERM')

  beforeAll(async () => {
    js = await createJsNode()
    host = await createTcpHost({})
    const io = quiet()
    listening = listenCommand(host, ['/ip4/127.0.0.1/tcp/0'], io)
    while (!io.lines.includes('READY')) await new Promise((r) => setTimeout(r, 5))
    addr = io.lines[0]!
  })

  afterAll(async () => {
    await js?.stop()
    for (const stop of process.listeners('SIGTERM').filter((l) => !before.includes(l))) (stop as () => void)()
    await listening
  })

  it('ping', async () => {
    const rtt = await js.services.ping.ping(multiaddr(addr))
    expect(rtt).toBeGreaterThanOrEqual(0)
    expect(js.getConnections().map((c) => c.remotePeer.toString())).toContain(host.peerId)
  })

  it('echo, small and 256 KiB, and 8 at once', async () => {
    const small = new Uint8Array([1, 2, 3])
    expect([...(await js.services.echo.echo(multiaddr(addr), small)).subarray()]).toEqual([...small])
    const big = new Uint8Array(256 * 1024).map((_, i) => (i * 31) & 0xff)
    expect(Buffer.compare((await js.services.echo.echo(multiaddr(addr), big)).subarray(), big)).toBe(0)
    const many = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        js.services.echo.echo(multiaddr(addr), new Uint8Array(1000 + i).fill(i)),
      ),
    )
    expect(many.map((r, i) => Buffer.compare(r.subarray(), new Uint8Array(1000 + i).fill(i)))).toEqual(
      many.map(() => 0),
    )
  })

  it('perf: js-libp2p as the client of our /perf/1.0.0 server', async () => {
    const stream = await js.dialProtocol(multiaddr(addr), PERF)
    const request = new Uint8Array(8)
    new DataView(request.buffer).setBigUint64(0, 300_000n)
    stream.send(request)
    stream.send(new Uint8Array(50_000))
    await stream.close()
    let received = 0
    for await (const buf of stream) received += buf.byteLength
    expect(received).toBe(300_000)
  })

  it('counts js-libp2p connection in the listener stats', () => {
    expect(host.stats().connections).toBeGreaterThanOrEqual(1)
  })
})
