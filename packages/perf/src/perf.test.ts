import { SwitchyardError } from '@switchyard/interface'
import { duplexPair } from '@switchyard/testkit'
import { describe, expect, it } from 'vitest'
import { handlePerf, runPerf } from './perf.js'

describe('perf', () => {
  it('uploads and downloads the requested amounts', async () => {
    const [client, server] = duplexPair({ split: 10_000 })
    handlePerf(server)
    const progress: number[] = []
    const result = await runPerf(client, {
      uploadBytes: 3 * 1024 * 1024 + 5,
      downloadBytes: 2 * 1024 * 1024 + 3,
      onProgress: (p) => progress.push(p.uploadedBytes + p.downloadedBytes),
    })
    expect(result.uploadBytes).toBe(3 * 1024 * 1024 + 5)
    expect(result.downloadBytes).toBe(2 * 1024 * 1024 + 3)
    expect(result.totalMs).toBeGreaterThanOrEqual(result.downloadMs)
    expect(progress.at(-1)).toBe(5 * 1024 * 1024 + 8)
  })

  it('zero both ways is valid', async () => {
    const [client, server] = duplexPair()
    handlePerf(server)
    const result = await runPerf(client)
    expect(result.downloadBytes).toBe(0)
  })

  it('a server that sends too little is a typed error', async () => {
    const [client, server] = duplexPair()
    server.setSink({ onData: () => {}, onEnd: () => server.end() })
    await expect(runPerf(client, { downloadBytes: 10 })).rejects.toSatisfy((e) =>
      SwitchyardError.is(e, 'PERF_SHORT_DOWNLOAD'),
    )
  })

  it('the server refuses requests above its limit and a short request', async () => {
    const [client, server] = duplexPair()
    handlePerf(server, { maxSendBytes: 100 })
    await expect(runPerf(client, { downloadBytes: 101 })).rejects.toSatisfy((e) =>
      SwitchyardError.is(e, 'STREAM_RESET'),
    )
    const [c2, s2] = duplexPair()
    handlePerf(s2)
    const closed = new Promise<Error | undefined>((r) => s2.onceClosed(r))
    c2.write(new Uint8Array(3))
    c2.end()
    expect(await closed).toSatisfy((e) => SwitchyardError.is(e, 'PERF_BAD_REQUEST'))
  })

  it('rejects bad sizes at the boundary', () => {
    const [client] = duplexPair()
    expect(() => runPerf(client, { uploadBytes: -1 })).toThrow(RangeError)
  })
})
