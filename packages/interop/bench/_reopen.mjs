import { multiaddr } from '@multiformats/multiaddr'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqlitePeerstore } from '../../peerstore-sqlite/dist/index.js'
const N = 100000
const dir = mkdtempSync(join(tmpdir(), 'ps-')); const path = join(dir, 'x.db')
const s = openSqlitePeerstore({ path, gcIntervalMs: 0, maxPeers: N })
for (let i = 0; i < N; i++) {
  const str = `p${i}`
  s.addAddrs({ bytes: new Uint8Array(3), toString: () => str, equals: () => false }, [0,1,2,3,4].map(a => multiaddr(`/ip4/10.${i>>16}.${(i>>8)&255}.${i&255}/tcp/${4000+a}`)), 3600000)
}
await s.close()
for (const check of ['quick', 'off']) {
  const t = performance.now()
  const again = openSqlitePeerstore({ path, gcIntervalMs: 0, maxPeers: N, integrityCheck: check })
  console.log('reopen', check, (performance.now() - t).toFixed(0), 'ms', again.size, (process.memoryUsage().heapUsed/2**20).toFixed(0), 'MB heap')
  await again.close()
}
rmSync(dir, { recursive: true })
