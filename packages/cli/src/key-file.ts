/**
 * `--key FILE`: the node's identity, an Ed25519 private key in the libp2p
 * protobuf encoding (the same bytes js-libp2p's `privateKeyToProtobuf` writes).
 * A missing file is created with a new key (mode 0600) so that the identity is
 * stable across restarts; without `--key` every run has a fresh identity.
 */
import { readFile, writeFile } from 'node:fs/promises'
import {
  type Ed25519PrivateKey,
  generateKeyPair,
  privateKeyFromProtobuf,
  privateKeyToProtobuf,
} from '@switchyard/peer-id'

export async function loadOrCreateKey(path: string | undefined): Promise<Ed25519PrivateKey> {
  if (path === undefined) return generateKeyPair()
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    const key = generateKeyPair()
    await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
    return key
  }
  return privateKeyFromProtobuf(bytes)
}
