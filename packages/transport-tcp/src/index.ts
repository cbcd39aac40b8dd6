export { parseTcpAddr, type TcpAddress, toMultiaddr } from './addr.js'
export { SocketConnection, type SocketConnectionInit, socketToConnection } from './socket-connection.js'
export { defaults, TcpTransport, type TcpInit, tcp } from './tcp-transport.js'
