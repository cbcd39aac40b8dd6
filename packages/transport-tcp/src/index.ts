export { parseTcpAddr, type TcpAddress, toMultiaddr } from './addr.js'
export { SocketConnection, type SocketConnectionInit, socketToConnection } from './socket-connection.js'
export { defaults, type TcpInit, TcpTransport, tcp } from './tcp-transport.js'
