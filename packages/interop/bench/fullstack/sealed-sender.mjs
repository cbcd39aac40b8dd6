// Raw sealed-pipe baseline, sending side: ChaCha20-Poly1305 (node:crypto) seals
// 65519-byte frames (Noise's maximum plaintext) with a 2-byte length prefix, written
// straight to a TCP socket with backpressure; no framing or stream library.
import { createCipheriv, randomBytes } from 'node:crypto'
import { createServer } from 'node:net'

const key = Buffer.from(process.argv[2], 'hex')
const server = createServer({ noDelay: true }, (socket) => {
  socket.once('data', (req) => {
    const total = Number(req.readBigUInt64BE(0))
    const plain = Buffer.alloc(65519)
    const nonce = Buffer.alloc(12)
    let sent = 0
    let n = 0n
    const pump = () => {
      while (sent < total) {
        const len = Math.min(plain.length, total - sent)
        sent += len
        nonce.writeBigUInt64LE(n++, 4)
        const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
        const body = c.update(plain.subarray(0, len))
        c.final()
        const head = Buffer.allocUnsafe(2)
        head.writeUInt16BE(len + 16)
        const ok = socket.write(Buffer.concat([head, body, c.getAuthTag()]))
        if (!ok) return void socket.once('drain', pump)
      }
      socket.end()
    }
    pump()
  })
})
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\nREADY\n`)
})
process.on('SIGTERM', () => process.exit(0))
void randomBytes
