/**
 * The `/yamux/1.0.0` muxer factory (libp2p/specs yamux/README.md).
 */
import type { ByteStream, MuxerSessionInit, StreamMuxerFactory } from '@switchyard/interface'
import { type Clock, systemClock } from './clock.js'
import { validateInit, type YamuxConfig, type YamuxInit } from './config.js'
import { YAMUX_PROTOCOL } from './constants.js'
import { YamuxSession } from './session.js'

/** Creates yamux sessions with one configuration. */
export class YamuxMuxerFactory implements StreamMuxerFactory {
  readonly protocol = YAMUX_PROTOCOL
  /** The validated configuration (defaults applied). */
  readonly config: Readonly<YamuxConfig>
  readonly #clock: Clock

  constructor(init: YamuxInit = {}) {
    this.config = Object.freeze(validateInit(init))
    this.#clock = init.clock ?? systemClock
  }

  /** Starts a session over `channel`, which it then owns. `direction: 'outbound'` is the client (odd ids). */
  createSession(channel: ByteStream, init: MuxerSessionInit): YamuxSession {
    return new YamuxSession(channel, init, this.config, this.#clock)
  }
}

/** A yamux factory; `init` is validated here (TypeError/RangeError on bad values). */
export function createYamux(init: YamuxInit = {}): YamuxMuxerFactory {
  return new YamuxMuxerFactory(init)
}
