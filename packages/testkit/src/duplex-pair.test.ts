import { readAll, writeAll } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { duplexPair } from './duplex-pair.js'

describe('duplexPair', () => {
  it('moves bytes both ways and closes gracefully', async () => {
    const [a, b] = duplexPair({ split: 3 })
    const data = new TextEncoder().encode('hello, switchyard')
    const got = readAll(b)
    await writeAll(a, [data.slice()])
    expect(await got).toEqual(data)
    b.end()
    expect((await readAll(a)).byteLength).toBe(0)
    await new Promise((r) => setTimeout(r, 0))
    expect(a.closed && b.closed).toBe(true)
    expect(a.error).toBeUndefined()
  })

  it('a local destroy resets the peer', async () => {
    const [a, b] = duplexPair()
    const closed = new Promise<Error | undefined>((r) => b.onceClosed(r))
    a.destroy()
    const err = await closed
    expect(err).toMatchObject({ code: 'STREAM_RESET' })
  })
})
