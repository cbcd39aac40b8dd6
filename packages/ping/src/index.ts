export {
  handlePing,
  PING_LENGTH,
  PING_PROTOCOL,
  PingError,
  type PingErrorCode,
  type PingOptions,
  Pinger,
} from './ping.js'
