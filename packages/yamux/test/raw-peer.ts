/**
 * A raw-frame peer for adversarial tests: it speaks yamux by hand over one end of
 * a duplex pair while a real session (the victim) sits on the other end.
 */
import type { MuxedStream } from '@switchyard/interface'
import { type DuplexPairInit, duplexPair, type MemoryStream } from '@switchyard/testkit'
import type { YamuxInit } from '../src/config.js'
import { FrameType } from '../src/constants.js'
import { FrameDecoder } from '../src/decoder.js'
import { type FrameHeader, headerBytes } from '../src/frame.js'
import type { YamuxSession } from '../src/session.js'
import { createYamux } from '../src/yamux.js'
import { FakeClock } from './helpers.js'

export interface RawFrame extends FrameHeader {
  payload: Uint8Array
}

export class RawPeer {
  readonly frames: RawFrame[] = []
  readonly channel: MemoryStream
  #parts: Uint8Array[] = []

  constructor(channel: MemoryStream, read = true) {
    this.channel = channel
    if (read) this.startReading()
  }

  /** Install a sink that decodes everything the victim sends. */
  startReading(): void {
    const decoder = new FrameDecoder({
      onHeader: () => {
        this.#parts = []
      },
      onPayload: (_h, p) => this.#parts.push(p),
      onFrameEnd: (h) => this.frames.push({ ...h, payload: Buffer.concat(this.#parts) }),
    })
    this.channel.setSink({ onData: (c) => decoder.push(c), onEnd: () => {} })
  }

  send(type: number, flags: number, streamId: number, length: number, payload?: Uint8Array): void {
    const h = headerBytes(type, flags, streamId, payload?.byteLength ?? length)
    this.channel.write(payload === undefined ? h : Buffer.concat([h, payload]))
  }

  data(flags: number, streamId: number, payload: Uint8Array): void {
    this.send(FrameType.Data, flags, streamId, payload.byteLength, payload)
  }

  of(type: number, streamId?: number): RawFrame[] {
    return this.frames.filter((f) => f.type === type && (streamId === undefined || f.streamId === streamId))
  }

  get goAway(): number | undefined {
    return this.frames.find((f) => f.type === FrameType.GoAway)?.length
  }
}

export interface Victim {
  session: YamuxSession
  peer: RawPeer
  accepted: MuxedStream[]
  clock: FakeClock
  victimChannel: MemoryStream
}

/** A victim session (server by default, so the raw peer opens odd ids) and a raw peer. */
export function victim(
  init: YamuxInit = {},
  opts: {
    direction?: 'inbound' | 'outbound'
    read?: boolean
    pair?: DuplexPairInit
    accept?: (s: MuxedStream) => void
  } = {},
): Victim {
  const [a, b] = duplexPair(opts.pair ?? {})
  const clock = new FakeClock()
  const accepted: MuxedStream[] = []
  const session = createYamux({ keepAliveIntervalMs: 0, clock, ...init }).createSession(a, {
    direction: opts.direction ?? 'inbound',
    onStream: (s) => {
      accepted.push(s)
      opts.accept?.(s)
    },
  })
  return { session, peer: new RawPeer(b, opts.read ?? true), accepted, clock, victimChannel: a }
}
