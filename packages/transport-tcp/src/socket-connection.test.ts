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
