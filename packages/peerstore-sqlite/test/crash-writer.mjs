// Child process of the crash-safety test (sqlite-crash.test.ts): writes peers into
// an existing peerstore file in a loop, in batched transactions, exactly as the
// store does (WAL, synchronous=NORMAL, exclusive lock, upsert peer row + address
// rows), and prints `committed <batch>` after each COMMIT returns. The parent
// kills it with SIGKILL at a random moment and checks every reported batch.
import Database from 'better-sqlite3'

const [path, peersPerBatch = '50'] = process.argv.slice(2)
const db = new Database(path, { timeout: 100 })
db.pragma('locking_mode = EXCLUSIVE')
db.pragma('journal_mode = WAL')
db.pragma('synchronous = NORMAL')
const upsertPeer = db.prepare(
  `INSERT INTO peers (id, id_bytes, public_key, latency_ms, last_connected_at, last_disconnected_at, disconnect_reason)
   VALUES (?, ?, NULL, ?, NULL, NULL, NULL)
   ON CONFLICT (id) DO UPDATE SET latency_ms = excluded.latency_ms`,
)
const deleteAddrs = db.prepare('DELETE FROM addresses WHERE peer = ?')
const insertAddr = db.prepare(
  `INSERT INTO addresses (peer, addr, ttl_ms, expires_at, successes, failures, consecutive_failures,
     last_success_at, last_failure_at, last_error_code) VALUES (?, ?, ?, NULL, 0, 0, 0, NULL, NULL, NULL)`,
)
const PERMANENT = Number.MAX_SAFE_INTEGER
const writeBatch = db.transaction((batch) => {
  const n = Number(peersPerBatch)
  for (let i = 0; i < n; i++) {
    const seq = batch * n + i
    const idBytes = new Uint8Array(34)
    idBytes[0] = 0x12
    idBytes[1] = 32
    new DataView(idBytes.buffer).setUint32(2, seq)
    const id = `crash${seq}`
    upsertPeer.run(id, idBytes, seq)
    deleteAddrs.run(id)
    // /ip4/10.x.y.z/tcp/4001 encoded by hand: 0x04 ip4, 4 bytes, 0x06 tcp, 2 bytes port.
    for (let a = 0; a < 3; a++) {
      const addr = Uint8Array.from([0x04, 10, (seq >> 8) & 255, seq & 255, a, 0x06, 0x0f, 0xa1])
      insertAddr.run(id, addr, PERMANENT)
    }
  }
})
// Bounded, in case the parent dies before killing it.
for (let batch = 0; batch < 100_000; batch++) {
  writeBatch(batch)
  process.stdout.write(`committed ${batch}\n`)
}
