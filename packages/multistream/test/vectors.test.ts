/**
 * The spec's example transcripts (test/vectors/transcripts.json, with its source),
 * replayed byte for byte against each role: the other side is a script that writes
 * its steps and checks that ours arrive exactly, in one write each.
 */
import { readFileSync } from 'node:fs'
import type { ByteStream } from '@switchyard/interface'
import { duplexPair } from '@switchyard/testkit'
import { describe, expect, it } from 'vitest'
import { handle } from '../src/handle.js'
import { select } from '../src/select.js'
import { rawPeer, settle } from './helpers.js'

interface Transcript {
  name: string
  initiatorProtocols?: string[]
  responderProtocols: string[]
  agreed: string
  steps: Array<{ from: 'initiator' | 'responder'; hex: string }>
}

const vectors = JSON.parse(readFileSync(new URL('./vectors/transcripts.json', import.meta.url), 'utf8')) as {
  messages: Record<string, string>
  transcripts: Transcript[]
}
const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s/g, ''), 'hex'))
const hexOf = (chunks: Uint8Array[]) => chunks.map((c) => Buffer.from(c).toString('hex'))

async function replay(
  t: Transcript,
  ours: 'initiator' | 'responder',
  run: (s: ByteStream) => Promise<{ protocol: string }>,
) {
  const [a, b] = duplexPair()
  const peer = rawPeer(b)
  const result = run(a)
  for (const step of t.steps) {
    if (step.from === ours) {
      await settle()
      expect(hexOf(peer.chunks)).toEqual([step.hex.replace(/\s/g, '')])
      peer.clear()
    } else {
      peer.write(bytes(step.hex))
    }
  }
  expect((await result).protocol).toBe(t.agreed)
}

describe('spec transcripts', () => {
  it('encodes na, ls and the header as the spec shows', async () => {
    const { msg } = await import('./helpers.js')
    expect(Buffer.from(msg('na')).toString('hex')).toBe(vectors.messages.na)
    expect(Buffer.from(msg('ls')).toString('hex')).toBe(vectors.messages.ls)
    expect(Buffer.from(msg('/multistream/1.0.0')).toString('hex')).toBe(vectors.messages.header)
  })

  for (const t of vectors.transcripts) {
    if (t.initiatorProtocols !== undefined) {
      const protocols = t.initiatorProtocols
      it(`select: ${t.name}`, () => replay(t, 'initiator', (s) => select(s, protocols)))
    }
    it(`handle: ${t.name}`, () => replay(t, 'responder', (s) => handle(s, t.responderProtocols)))
  }
})
