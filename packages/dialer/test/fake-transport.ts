/**
 * A scripted `dialAddress` driven by a ManualClock, for dialer tests: each address
 * succeeds, fails or hangs after a given time, honouring (or, for leak tests, ignoring) the
 * attempt's abort signal.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import { TransportError } from '@switchyard/interface'
import type { ManualClock } from '../src/manual-clock.js'

export type Script =
  | { readonly kind: 'ok'; readonly afterMs: number }
  | { readonly kind: 'fail'; readonly afterMs: number }
  | { readonly kind: 'hang' }
  /** Succeeds after `afterMs` even when aborted before (a transport that ignores abort). */
  | { readonly kind: 'ok-ignoring-abort'; readonly afterMs: number }

export class FakeConn {
  closed = false
  constructor(
    readonly addr: string,
    readonly id: number,
  ) {}
}

export class FakeTransport {
  readonly started: { addr: string; at: number }[] = []
  readonly conns: FakeConn[] = []
  readonly aborted: string[] = []
  #seq = 0
  #inFlight = 0
  maxInFlight = 0

  constructor(
    readonly clock: ManualClock,
    readonly scripts: Record<string, Script>,
    readonly t0 = clock.now(),
  ) {}

  get open(): FakeConn[] {
    return this.conns.filter((c) => !c.closed)
  }

  readonly close = (conn: FakeConn): void => {
    conn.closed = true
  }

  readonly dialAddress = (addr: Multiaddr, { signal }: { signal: AbortSignal }): Promise<FakeConn> => {
    const key = addr.toString()
    const script = this.scripts[key] ?? { kind: 'fail', afterMs: 0 }
    this.started.push({ addr: key, at: this.clock.now() - this.t0 })
    this.#inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight)
    return new Promise<FakeConn>((resolve, reject) => {
      let timer: unknown
      const done = () => {
        this.#inFlight--
        signal.removeEventListener('abort', onAbort)
      }
      const onAbort = () => {
        this.aborted.push(key)
        if (script.kind === 'ok-ignoring-abort') return
        this.clock.clearTimeout(timer)
        done()
        reject(signal.reason)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      if (script.kind === 'hang') return
      timer = this.clock.setTimeout(() => {
        done()
        if (script.kind === 'fail') {
          reject(new TransportError('TRANSPORT_CONNECTION_REFUSED', key, 'refused'))
          return
        }
        const conn = new FakeConn(key, ++this.#seq)
        this.conns.push(conn)
        resolve(conn)
      }, script.afterMs)
    })
  }
}
