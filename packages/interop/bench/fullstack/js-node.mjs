// js-libp2p 3 node for the full-stack benchmark: TCP + Noise + Yamux, serving
// /ipfs/ping/1.0.0, /echo/1.0.0 and /perf/1.0.0. `listen` mode prints its address and
// READY, and on SIGUSR2 one JSON line of memory after GC (like `switchyard listen`).
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { echo } from '@libp2p/echo'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { Uint8ArrayList } from 'uint8arraylist'

if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = () => {
    let resolve
    let reject
    const promise = new Promise((a, b) => {
      resolve = a
      reject = b
    })
    return { promise, resolve, reject }
  }
}

/** /perf/1.0.0 server: 8-byte big-endian request, drain the upload, send zeros, close. */
async function perfHandler(stream) {
  const header = new Uint8ArrayList()
  for await (const buf of stream) if (header.byteLength < 8) header.append(buf)
  const req = header.subarray(0, 8)
  const bytes = Number(new DataView(req.buffer, req.byteOffset, 8).getBigUint64(0))
  const zeros = new Uint8Array(64 * 1024)
  for (let sent = 0; sent < bytes; ) {
    const n = Math.min(zeros.byteLength, bytes - sent)
    sent += n
    if (!stream.send(n === zeros.byteLength ? zeros : zeros.subarray(0, n))) await stream.onDrain()
  }
  await stream.close()
}

/** A js-libp2p node with limits opened up for a benchmark on loopback (defaults: 5 inbound conns/s per IP, 32 streams per protocol). */
export async function createJsNode(listen = []) {
  const node = await createLibp2p({
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: 20_000,
      inboundConnectionThreshold: 1_000_000,
      maxIncomingPendingConnections: 10_000,
      maxParallelDials: 1000,
      maxDialQueueLength: 100_000,
    },
    services: {
      ping: ping({ maxInboundStreams: 1024 }),
      echo: echo({ maxInboundStreams: 1024, maxOutboundStreams: 1024 }),
    },
  })
  await node.handle('/perf/1.0.0', perfHandler, { maxInboundStreams: 64, maxOutboundStreams: 64 })
  return node
}

if (process.argv[2] === 'listen') {
  const node = await createJsNode(['/ip4/127.0.0.1/tcp/0'])
  for (const a of node.getMultiaddrs()) process.stdout.write(`${a.toString()}\n`)
  process.stdout.write('READY\n')
  process.on('SIGUSR2', () => {
    globalThis.gc?.()
    const m = process.memoryUsage()
    const conns = node.getConnections()
    const streams = conns.reduce((n, c) => n + c.streams.length, 0)
    process.stdout.write(
      `${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, connections: conns.length, streams })}\n`,
    )
  })
  const stop = () => node.stop().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}
