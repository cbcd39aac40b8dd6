import { readAll, writeAll } from '@switchyard/interface'
import { duplexPair } from '@switchyard/testkit'
import { describe, expect, it } from 'vitest'
import { handleEcho } from './echo.js'

describe('handleEcho', () => {
  it('echoes every byte and ends after the remote ends', async () => {
    const [client, server] = duplexPair({ split: 1000 })
    handleEcho(server)
    const data = new Uint8Array(1024 * 1024).map((_, i) => (i * 7) & 0xff)
    const reply = readAll(client)
    await writeAll(client, [data.subarray(0, 300_000), data.subarray(300_000)])
    // Buffer.equals: vitest's deep equality walks a 1 MiB array element by element.
    expect(Buffer.from(await reply).equals(data)).toBe(true)
  })

  it('stops reading when the client does not read the echo (bounded memory)', async () => {
    const [client, server] = duplexPair({
      writableHighWaterMark: 16 * 1024,
      readableHighWaterMark: 16 * 1024,
    })
    handleEcho(server)
    client.pause() // never read the echo
    let accepted = 0
    const chunk = new Uint8Array(4096)
    // Keep writing whenever the stream drains; stop once it stays full.
    for (let round = 0; round < 1000; round++) {
      while (client.write(chunk.slice())) accepted += chunk.byteLength
      accepted += chunk.byteLength
      await new Promise((r) => setTimeout(r, 1))
      if (client.writableNeedDrain) break
    }
    // The echo stopped reading once its own write side filled up, so the client
    // is stuck after a bounded amount: the sum of the buffers on the way.
    expect(client.writableNeedDrain).toBe(true)
    expect(accepted).toBeLessThan(256 * 1024)
    client.destroy()
  })
})
