export { type Clock, systemClock } from './clock.js'
export { defaults, validateInit, type YamuxConfig, type YamuxInit } from './config.js'
export {
  Flag,
  FrameType,
  GoAwayCode,
  HEADER_LENGTH,
  INITIAL_STREAM_WINDOW,
  YAMUX_PROTOCOL,
  YAMUX_VERSION,
} from './constants.js'
export { FrameDecoder, type FrameSink } from './decoder.js'
export { YamuxError, type YamuxErrorCode } from './errors.js'
export { decodeHeader, encodeHeader, type FrameHeader, headerBytes } from './frame.js'
export { YamuxSession, type YamuxSessionStats } from './session.js'
export { type StreamState, YamuxStream } from './stream.js'
export { createYamux, YamuxMuxerFactory } from './yamux.js'
