/**
 * Crash safety: a child process writing in a loop is killed with SIGKILL; the
 * file reopens without corruption and holds every write the child reported as
 * committed (WAL + synchronous=NORMAL: a committed transaction survives a process
 * crash; SQLite "Write-Ahead Logging" §"Performance Considerations").
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fakePeerId } from '@switchyard/testkit'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { openSqlitePeerstore } from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'switchyard-peerstore-crash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const writer = fileURLToPath(new URL('./crash-writer.mjs', import.meta.url))
const PEERS_PER_BATCH = 50

/** Runs the writer until it reported `batches` commits (plus whatever it does before the kill lands), then SIGKILLs it. */
function runAndKill(path: string, batches: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, path, String(PEERS_PER_BATCH)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let last = -1
    let buffered = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const m = /^committed (\d+)$/.exec(line)
        if (m !== null) last = Number(m[1])
      }
      if (last + 1 >= batches && child.exitCode === null && !child.killed) child.kill('SIGKILL')
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited ${code} ${signal}: ${stderr}`))
      else resolve(last)
    })
  })
}

describe('crash safety', () => {
  it('keeps every committed write and no corruption after SIGKILL mid-loop', async () => {
    const path = join(dir, 'crash.db')
    // Create the schema with the store itself, plus a peer written through the store.
    const first = openSqlitePeerstore({ path })
    const before = fakePeerId(7)
    first.setProtocols(before, ['/ipfs/id/1.0.0'])
    await first.close()

    const lastCommitted = await runAndKill(path, 40)
    expect(lastCommitted).toBeGreaterThanOrEqual(39)

    const store = openSqlitePeerstore({ path, integrityCheck: 'full' })
    try {
      expect(store.protocols(before)).toEqual(['/ipfs/id/1.0.0'])
      // Every reported batch is there, whole: peer row and its three addresses.
      for (let seq = 0; seq < (lastCommitted + 1) * PEERS_PER_BATCH; seq++) {
        const id = { bytes: new Uint8Array(0), toString: () => `crash${seq}`, equals: () => false }
        expect(store.latency(id)).toBe(seq)
        expect(store.addrs(id).map((a) => a.multiaddr.toString())).toEqual([
          `/ip4/10.${(seq >> 8) & 255}.${seq & 255}.0/tcp/4001`,
          `/ip4/10.${(seq >> 8) & 255}.${seq & 255}.1/tcp/4001`,
          `/ip4/10.${(seq >> 8) & 255}.${seq & 255}.2/tcp/4001`,
        ])
      }
      // A batch the kill interrupted is absent or complete, never half-written.
      for (const e of store.peers()) expect([0, 3]).toContain(store.addrs(e).length)
    } finally {
      await store.close()
    }
    const db = new Database(path, { readonly: true })
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    } finally {
      db.close()
    }
  })
})
