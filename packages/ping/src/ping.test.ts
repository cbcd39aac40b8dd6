import { SwitchyardError } from '@switchyard/interface'
import { duplexPair } from '@switchyard/testkit'
import { describe, expect, it } from 'vitest'
import { handlePing, Pinger } from './ping.js'

describe('ping', () => {
  it('measures round trips on one stream, then closes both sides', async () => {
    const [client, server] = duplexPair({ split: 7 })
    handlePing(server)
    const pinger = new Pinger(client)
    for (let i = 0; i < 5; i++) {
      const rtt = await pinger.ping()
      expect(rtt).toBeGreaterThanOrEqual(0)
    }
    pinger.close()
    await new Promise<void>((resolve) => server.onceClosed(() => resolve()))
    expect(server.error).toBeUndefined()
  })

  it('a wrong echo is a typed error', async () => {
    const [client, server] = duplexPair()
    server.setSink({
      onData: (chunk) => server.write(chunk.map((b) => b ^ 1)),
      onEnd: () => server.end(),
    })
    const pinger = new Pinger(client)
    await expect(pinger.ping()).rejects.toSatisfy((e) => SwitchyardError.is(e, 'PING_WRONG_ECHO'))
  })

  it('a remote that closes is a typed error, and abort rejects with the reason', async () => {
    const [client, server] = duplexPair()
    server.setSink({ onData: () => {}, onEnd: () => {} })
    const pinger = new Pinger(client)
    const controller = new AbortController()
    const p = pinger.ping({ signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(p).rejects.toThrow('stop')
    server.destroy()
    await expect(pinger.ping()).rejects.toSatisfy((e) => SwitchyardError.is(e, 'PING_STREAM_CLOSED'))
  })

  it('times out with a typed error', async () => {
    const [client, server] = duplexPair()
    server.setSink({ onData: () => {}, onEnd: () => {} })
    const pinger = new Pinger(client)
    await expect(pinger.ping({ timeoutMs: 10 })).rejects.toSatisfy((e) =>
      SwitchyardError.is(e, 'PING_TIMEOUT'),
    )
    client.destroy()
  })
})
