import { createServer, connect as netConnect, type Server, type Socket } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { socketToConnection } from './socket-connection.js'

/** A connected socket pair over loopback on `host`. */
async function socketPair(host: string): Promise<{ client: Socket; server: Socket; close: () => void }> {
  let server!: Server
  const accepted = new Promise<Socket>((resolve) => {
    server = createServer({ allowHalfOpen: true }, resolve)
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const { port } = server.address() as { port: number }
  const client = netConnect({ host, port, allowHalfOpen: true })
  const s = await accepted
  return {
    client,
    server: s,
    close() {
      client.destroy()
      s.destroy()
      server.close()
    },
  }
}

const closers: Array<() => void> = []
afterEach(() => {
  for (const c of closers.splice(0)) c()
})

describe('socketToConnection', () => {
  it("an IPv4 socket's remote address equals the parsed multiaddr, bytes included", async () => {
    const p = await socketPair('127.0.0.1')
    closers.push(p.close)
    const conn = socketToConnection(p.server)
    const expected = multiaddr(`/ip4/127.0.0.1/tcp/${p.server.remotePort}`)
    expect(conn.remoteAddr.toString()).toBe(expected.toString())
    expect(conn.remoteAddr.equals(expected)).toBe(true)
    expect(conn.remoteAddr.bytes).toEqual(expected.bytes)
    expect(conn.remoteAddr.getComponents().map((c) => c.name)).toEqual(['ip4', 'tcp'])
    conn.destroy()
  })

  it("an IPv6 socket's remote address is an /ip6 multiaddr", async () => {
    let p: Awaited<ReturnType<typeof socketPair>>
    try {
      p = await socketPair('::1')
    } catch {
      return // no IPv6 loopback on this machine
    }
    closers.push(p.close)
    const conn = socketToConnection(p.server)
    expect(conn.remoteAddr.toString()).toBe(`/ip6/::1/tcp/${p.server.remotePort}`)
    conn.destroy()
  })
})

describe('SocketConnection.writev', () => {
  it('sends the chunks in order in one writev of the socket, then follows write() rules', async () => {
    const p = await socketPair('127.0.0.1')
    closers.push(p.close)
    const conn = socketToConnection(p.client)
    expect(typeof conn.writev).toBe('function')
    const writev = (chunks: Uint8Array[]) => conn.writev!(chunks)
    const writevCalls: number[] = []
    const socket = p.client as Socket & { _writev: (chunks: unknown[], cb: unknown) => void }
    const original = socket._writev.bind(socket)
    socket._writev = (chunks, cb) => {
      writevCalls.push(chunks.length)
      original(chunks, cb)
    }
    const got: Buffer[] = []
    p.server.on('data', (d: Buffer) => got.push(d))
    const ended = new Promise((r) => p.server.once('end', r))
    expect(writev([Buffer.from('ab'), Buffer.from('cd'), Buffer.from('ef')])).toBe(true)
    conn.end()
    await ended
    expect(Buffer.concat(got).toString()).toBe('abcdef')
    expect(writevCalls).toEqual([3])
    expect(() => writev([new Uint8Array(1)])).toThrow(/after end/)
    expect(() => writev(['x' as unknown as Uint8Array])).toThrow(TypeError)
    conn.destroy()
    expect(writev([new Uint8Array(1)])).toBe(false)
  })
})
