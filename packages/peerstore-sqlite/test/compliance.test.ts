import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { runPeerstoreSuite } from '@switchyard/testkit'
import { afterAll } from 'vitest'
import { openSqlitePeerstore, type SqlitePeerstore } from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'switchyard-peerstore-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const paths = new WeakMap<object, string>()

runPeerstoreSuite('sqlite', {
  create(init) {
    const path = join(dir, `store-${n++}.db`)
    const store = openSqlitePeerstore({ ...init, path })
    paths.set(store, path)
    return store
  },
  multiaddr: (s) => multiaddr(s),
  async reopen(store, init) {
    const path = paths.get(store) as string
    await (store as SqlitePeerstore).close()
    const again = openSqlitePeerstore({ ...init, path })
    paths.set(again, path)
    return again
  },
})
