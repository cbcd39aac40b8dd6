/**
 * A minimal `ByteStreamBase` for the interface's own tests (the real pair lives in
 * @switchyard/testkit, which depends on this package). The test drives both the
 * receive side (`feed`, `feedEnd`, `fail`) and the send side (`flush`).
 */
import { ByteStreamBase, type ByteStreamBaseInit } from '../src/index.js'

export class LoopbackStream extends ByteStreamBase {
  /** Chunks accepted by `write()` and not yet flushed. */
  written: Uint8Array[] = []
  writtenBytes = 0
  ended = 0
  destroyedWith: Array<Error | undefined> = []
  readMoreCalls = 0
  consumed = 0
  readonly writableHighWaterMark: number

  constructor(init: ByteStreamBaseInit & { writableHighWaterMark?: number } = {}) {
    super(init)
    this.writableHighWaterMark = init.writableHighWaterMark ?? 100
  }

  protected _write(chunk: Uint8Array): boolean {
    this.written.push(chunk)
    this.writtenBytes += chunk.byteLength
    return this.writtenBytes < this.writableHighWaterMark
  }
  protected _end(): void {
    this.ended++
  }
  protected _destroy(err: Error | undefined): void {
    this.destroyedWith.push(err)
  }
  protected override _readMore(): void {
    this.readMoreCalls++
  }
  protected override _consumed(bytes: number): void {
    this.consumed += bytes
  }

  /** The "network" took every written byte: drain. */
  flush(): Uint8Array[] {
    const out = this.written
    this.written = []
    this.writtenBytes = 0
    this.emitDrain()
    return out
  }
  feed(chunk: Uint8Array): boolean {
    return this.push(chunk)
  }
  feedEnd(): void {
    this.pushEnd()
  }
  done(err?: Error): void {
    this.finish(err)
  }
}

/** Lets queued microtasks and immediates run. */
export async function tick(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r))
}
