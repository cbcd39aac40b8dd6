/**
 * `@switchyard/peerstore-sqlite`: a persistent `Peerstore` on SQLite (better-sqlite3),
 * so that a node can rejoin the network after a restart without bootstrap nodes
 * (libp2p connections spec, "Peer Metadata Storage"). See README.md.
 */

/** The options of `openSqlitePeerstore`, their defaults, and their validation. */
export { defaults, type SqlitePeerstoreConfig, type SqlitePeerstoreInit, validateInit } from './config.js'
/** The schema version this package writes and the `application_id` marking its files. */
export { APPLICATION_ID, SCHEMA_VERSION } from './schema.js'
/** The store and its factory. */
export { openSqlitePeerstore, SqlitePeerstore } from './sqlite-peerstore.js'
/** The minimal `PeerId` rebuilt from the file when no `peerIdFromString` is given. */
export { StoredPeerId } from './stored-peer-id.js'
