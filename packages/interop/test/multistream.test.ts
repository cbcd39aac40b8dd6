/**
 * Interop of @switchyard/multistream with @libp2p/multistream-select@7 (from npm),
 * in both roles, over an in-memory Switchyard pair. The js side needs a libp2p
 * `Stream`, so a small adapter (below) exposes a Switchyard `ByteStream` as one.
 */
import { UnsupportedProtocolError } from '@libp2p/interface'
import * as mss from '@libp2p/multistream-select'
import { AbstractStream, type SendResult } from '@libp2p/utils'
import { type ByteStream, readAll, SwitchyardError } from '@switchyard/interface'
import { handle, select } from '@switchyard/multistream'
import { duplexPair } from '@switchyard/testkit'
import type { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'

const text = (s: string) => new TextEncoder().encode(s)
const str = (b: Uint8Array | Uint8ArrayList) => Buffer.from(b.subarray()).toString()

const noopLogger = Object.assign(() => {}, {
  error: () => {},
  trace: () => {},
  enabled: false,
  newScope: () => noopLogger,
}) as unknown as ConstructorParameters<typeof AbstractStream>[0]['log']

let ids = 0

/** A libp2p `Stream` over a Switchyard `ByteStream`: one write per send, EOF and resets both ways. */
class ByteStreamAdapter extends AbstractStream {
  readonly #inner: ByteStream
  constructor(inner: ByteStream, direction: 'inbound' | 'outbound') {
    super({ id: String(ids++), log: noopLogger, direction })
    this.#inner = inner
    inner.setSink({ onData: (c) => this.onData(c), onEnd: () => this.onRemoteCloseWrite() })
    inner.onceClosed((err) => this.onTransportClosed(err))
  }
  sendData(data: Uint8ArrayList): SendResult {
    this.#inner.write(data.subarray())
    return { sentBytes: data.byteLength, canSendMore: true }
  }
  sendReset(err: Error): void {
    this.#inner.destroy(err)
  }
  sendPause(): void {}
  sendResume(): void {}
  async sendCloseWrite(): Promise<void> {
    this.#inner.end()
  }
  async sendCloseRead(): Promise<void> {}
}

/** Reads a js stream until EOF. */
async function readJs(stream: AbstractStream): Promise<string> {
  let out = ''
  for await (const chunk of stream) out += str(chunk)
  return out
}

describe.each([
  ['whole chunks', undefined],
  ['1-byte chunks', 1],
])('multistream interop (%s)', (_name, split) => {
  it('js select → Switchyard handle, after a na', async () => {
    const [a, b] = duplexPair({ split })
    const js = new ByteStreamAdapter(a, 'outbound')
    const [protocol, handled] = await Promise.all([
      mss.select(js, ['/x/2.0.0', '/x/1.0.0']),
      handle(b, ['/x/1.0.0', '/y']),
    ])
    expect(protocol).toBe('/x/1.0.0')
    expect(handled.protocol).toBe('/x/1.0.0')
    const atJs = readJs(js)
    js.send(text('from js'))
    await js.close()
    handled.stream.write(text('from switchyard'))
    handled.stream.end()
    expect(str(await readAll(handled.stream))).toBe('from js')
    expect(await atJs).toBe('from switchyard')
  })

  it('Switchyard select → js handle, after a na', async () => {
    const [a, b] = duplexPair({ split })
    const js = new ByteStreamAdapter(b, 'inbound')
    const [selected, protocol] = await Promise.all([
      select(a, ['/x/2.0.0', '/x/1.0.0']),
      mss.handle(js, ['/x/1.0.0', '/y']),
    ])
    expect(selected.protocol).toBe('/x/1.0.0')
    expect(protocol).toBe('/x/1.0.0')
    // The js iterator misses an EOF that came before it started: start it first.
    const atJs = readJs(js)
    selected.stream.write(text('from switchyard'))
    selected.stream.end()
    js.send(text('from js'))
    await js.close()
    const atSwitchyard = await readAll(selected.stream)
    expect(await atJs).toBe('from switchyard')
    expect(str(atSwitchyard)).toBe('from js')
  })

  it('Switchyard lazy select → js handle: the payload rides with the proposal', async () => {
    const [a, b] = duplexPair({ split })
    const js = new ByteStreamAdapter(b, 'inbound')
    const handling = mss.handle(js, ['/echo/1.0.0'])
    const selected = await select(a, ['/echo/1.0.0'], { lazy: true })
    selected.stream.write(text('ping'))
    expect(await handling).toBe('/echo/1.0.0')
    // The js iterator misses an EOF that came before it started: end after it started.
    const atJs = readJs(js)
    selected.stream.end()
    expect(await atJs).toBe('ping')
    js.send(text('pong'))
    await js.close()
    expect(str(await readAll(selected.stream))).toBe('pong')
  })

  it('Switchyard lazy select → js handle that refuses: MULTISTREAM_PROTOCOL_REJECTED on read', async () => {
    const [a, b] = duplexPair({ split })
    const js = new ByteStreamAdapter(b, 'inbound')
    const handling = mss.handle(js, ['/other']).catch((e: unknown) => e)
    const selected = await select(a, ['/echo/1.0.0'], { lazy: true })
    const err = await readAll(selected.stream).catch((e: unknown) => e)
    expect(SwitchyardError.is(err, 'MULTISTREAM_PROTOCOL_REJECTED')).toBe(true)
    // js keeps waiting for another proposal until the stream goes away.
    await handling
  })

  it('js select refused by Switchyard handle: UnsupportedProtocolError', async () => {
    const [a, b] = duplexPair({ split })
    const js = new ByteStreamAdapter(a, 'outbound')
    const handling = handle(b, ['/z']).catch((e: unknown) => e)
    await expect(mss.select(js, ['/x', '/y'])).rejects.toBeInstanceOf(UnsupportedProtocolError)
    js.abort(new Error('done'))
    expect(SwitchyardError.is(await handling)).toBe(true)
  })

  it('Switchyard select refused by js handle: MULTISTREAM_PROTOCOL_REJECTED', async () => {
    const [a, b] = duplexPair({ split })
    const js = new ByteStreamAdapter(b, 'inbound')
    const handling = mss.handle(js, ['/z']).catch((e: unknown) => e)
    await expect(select(a, ['/x', '/y'])).rejects.toMatchObject({ code: 'MULTISTREAM_PROTOCOL_REJECTED' })
    await handling
  })
})
