export {
  handlePing,
  PING_LENGTH,
  PING_PROTOCOL,
  PingError,
  type PingErrorCode,
  Pinger,
  type PingOptions,
} from './ping.js'
