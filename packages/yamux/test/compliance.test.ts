import type { MuxedStream } from '@switchyard/interface'
import { runByteStreamSuite } from '@switchyard/testkit'
import { createYamux } from '../src/yamux.js'
import { sessionPair } from './helpers.js'

async function acceptOne(accepted: MuxedStream[]): Promise<MuxedStream> {
  for (let i = 0; i < 100 && accepted.length === 0; i++) await new Promise((r) => setImmediate(r))
  const s = accepted.shift()
  if (s === undefined) throw new Error('no stream accepted')
  return s
}

runByteStreamSuite('yamux stream (client → server)', async () => {
  const p = sessionPair()
  const a = await p.client.newStream()
  const b = await acceptOne(p.accepted)
  return {
    a,
    b,
    cleanup: async () => {
      p.client.abort(new Error('cleanup'))
      p.server.abort(new Error('cleanup'))
    },
  }
})

runByteStreamSuite('yamux stream (server → client, split 1000-byte chunks)', async () => {
  const p = sessionPair({}, { split: 1000 })
  const a = await p.server.newStream()
  const b = await acceptOne(p.clientAccepted)
  return {
    a,
    b,
    cleanup: async () => {
      p.client.abort(new Error('cleanup'))
      p.server.abort(new Error('cleanup'))
    },
  }
})

// The factory is used as configured by an application.
void createYamux
