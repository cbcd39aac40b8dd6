// src/errors.ts
import { SwitchyardError } from "@switchyard/interface";
var NoiseError = class extends SwitchyardError {
};

// src/cipher-state.ts
var TAG_LENGTH = 16;
var MAX32 = 4294967295;
var CipherState = class {
  #crypto;
  #aead;
  #lo = 0;
  #hi = 0;
  #nonce = new Uint8Array(12);
  #view = new DataView(this.#nonce.buffer);
  constructor(crypto, key) {
    this.#crypto = crypto;
    if (key !== void 0) this.initializeKey(key);
  }
  /** `InitializeKey(k)`: sets the key and resets the counter to 0. */
  initializeKey(key) {
    this.#aead = this.#crypto.createAead(key);
    this.setNonce(0n);
  }
  /** `HasKey()`. */
  hasKey() {
    return this.#aead !== void 0;
  }
  /** The counter (for tests and diagnostics). */
  get nonce() {
    return BigInt(this.#hi) << 32n | BigInt(this.#lo);
  }
  /** `SetNonce(n)` (§5.1). Tests use it to reach the reserved nonce quickly. */
  setNonce(n) {
    if (n < 0n || n > 0xffffffffffffffffn) throw new RangeError("a Noise nonce is a 64-bit unsigned integer");
    this.#lo = Number(n & 0xffffffffn);
    this.#hi = Number(n >> 32n);
    this.#view.setUint32(4, this.#lo, true);
    this.#view.setUint32(8, this.#hi, true);
  }
  /**
   * `EncryptWithAd(ad, plaintext)` into `out` at `offset` (ciphertext ‖ tag,
   * `plaintext.byteLength + 16` bytes). Requires a key.
   */
  sealInto(ad, plaintext, out, offset) {
    this.#checkNonce();
    this.#aead.seal(this.#nonce, ad, plaintext, out, offset);
    this.#increment();
  }
  /** `EncryptWithAd(ad, plaintext)`: a fresh buffer, or `plaintext` itself without a key. */
  encryptWithAd(ad, plaintext) {
    if (this.#aead === void 0) return plaintext;
    const out = new Uint8Array(plaintext.byteLength + TAG_LENGTH);
    this.sealInto(ad, plaintext, out, 0);
    return out;
  }
  /**
   * `DecryptWithAd(ad, ciphertext)`: the plaintext (fresh), or `ciphertext` itself
   * without a key. A tag that does not verify throws `NOISE_DECRYPT_FAILED` and
   * leaves the counter unchanged (§5.1).
   */
  decryptWithAd(ad, ciphertext) {
    if (this.#aead === void 0) return ciphertext;
    this.#checkNonce();
    const pt = this.#aead.open(this.#nonce, ad, ciphertext);
    if (pt === void 0) {
      throw new NoiseError("NOISE_DECRYPT_FAILED", "a Noise message failed authentication");
    }
    this.#increment();
    return pt;
  }
  /**
   * `DecryptWithAd(ad, ciphertext)` for a ciphertext (tag included) received as
   * borrowed views `pieces` of `byteLength` bytes in total: the plaintext as
   * fresh pieces, returned only after the tag verified. Requires a key; throws
   * like `decryptWithAd`.
   */
  decryptPieces(ad, pieces, byteLength) {
    this.#checkNonce();
    if (byteLength < TAG_LENGTH) {
      throw new NoiseError("NOISE_DECRYPT_FAILED", "a Noise message shorter than its tag");
    }
    const last = pieces[pieces.length - 1];
    let ct;
    let tag;
    if (last.byteLength >= TAG_LENGTH) {
      tag = last.subarray(last.byteLength - TAG_LENGTH);
      ct = pieces.length === 1 ? [last.subarray(0, last.byteLength - TAG_LENGTH)] : trimEnd(pieces, TAG_LENGTH);
    } else {
      tag = new Uint8Array(TAG_LENGTH);
      const cut = trimEnd(pieces, TAG_LENGTH);
      let o = 0;
      let skip = byteLength - TAG_LENGTH;
      for (const p of pieces) {
        if (skip >= p.byteLength) {
          skip -= p.byteLength;
          continue;
        }
        tag.set(p.subarray(skip), o);
        o += p.byteLength - skip;
        skip = 0;
      }
      ct = cut;
    }
    const pt = this.#aead.openPieces(this.#nonce, ad, ct, tag);
    if (pt === void 0) {
      throw new NoiseError("NOISE_DECRYPT_FAILED", "a Noise message failed authentication");
    }
    this.#increment();
    return pt;
  }
  #checkNonce() {
    if (this.#lo === MAX32 && this.#hi === MAX32) {
      throw new NoiseError("NOISE_NONCE_EXHAUSTED", "the Noise nonce reached 2^64-1");
    }
  }
  #increment() {
    if (this.#lo === MAX32) {
      this.#lo = 0;
      this.#hi++;
      this.#view.setUint32(8, this.#hi, true);
    } else {
      this.#lo++;
    }
    this.#view.setUint32(4, this.#lo, true);
  }
};
function trimEnd(pieces, n) {
  const out = pieces.slice();
  while (n > 0 && out.length > 0) {
    const last = out[out.length - 1];
    if (last.byteLength <= n) {
      n -= last.byteLength;
      out.pop();
    } else {
      out[out.length - 1] = last.subarray(0, last.byteLength - n);
      n = 0;
    }
  }
  return out;
}

// src/crypto-noble.ts
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
var TAG = 16;
var EMPTY = new Uint8Array(0);
var NobleKeyPair = class {
  constructor(publicKey, secretKey) {
    this.publicKey = publicKey;
    this.secretKey = secretKey;
  }
};
var NobleAead = class {
  #key;
  constructor(key) {
    this.#key = key.slice();
  }
  seal(nonce, ad, plaintext, out, offset) {
    const aead = chacha20poly1305(this.#key, nonce, ad.byteLength > 0 ? ad : void 0);
    aead.encrypt(plaintext, out.subarray(offset, offset + plaintext.byteLength + TAG));
  }
  open(nonce, ad, ciphertext) {
    if (ciphertext.byteLength < TAG) return void 0;
    try {
      return chacha20poly1305(this.#key, nonce, ad.byteLength > 0 ? ad : void 0).decrypt(ciphertext);
    } catch {
      return void 0;
    }
  }
  openPieces(nonce, ad, pieces, tag) {
    let n = TAG;
    for (const p of pieces) n += p.byteLength;
    const joined = new Uint8Array(n);
    let o = 0;
    for (const p of pieces) {
      joined.set(p, o);
      o += p.byteLength;
    }
    joined.set(tag, o);
    const pt = this.open(nonce, ad, joined);
    return pt === void 0 ? void 0 : [pt];
  }
};
var nobleNoiseCrypto = {
  name: "noble",
  generateKeyPair() {
    const secretKey = x25519.utils.randomSecretKey();
    return new NobleKeyPair(x25519.getPublicKey(secretKey), secretKey);
  },
  keyPairFromSecret(secret) {
    if (secret.byteLength !== 32) throw new RangeError("an X25519 secret key is 32 bytes");
    const secretKey = secret.slice();
    return new NobleKeyPair(x25519.getPublicKey(secretKey), secretKey);
  },
  importPublicKey(bytes) {
    if (bytes.byteLength !== 32) throw new RangeError("an X25519 public key is 32 bytes");
    return { bytes };
  },
  dh(local, remote) {
    if (!(local instanceof NobleKeyPair)) throw new TypeError("a key pair of another crypto backend");
    try {
      return x25519.getSharedSecret(local.secretKey, remote.bytes);
    } catch (cause) {
      throw new NoiseError("NOISE_DH_FAILED", "X25519 failed (low-order remote key?)", { cause });
    }
  },
  sha256(...parts) {
    const h = sha256.create();
    for (const p of parts) h.update(p);
    return h.digest();
  },
  hkdf(ck, ikm, outputs) {
    const out = hkdf(sha256, ikm, ck, EMPTY, 32 * outputs);
    return outputs === 2 ? [out.subarray(0, 32), out.subarray(32, 64)] : [out.subarray(0, 32), out.subarray(32, 64), out.subarray(64, 96)];
  },
  createAead(key) {
    return new NobleAead(key);
  }
};

// src/crypto-node.ts
function loadNodeCrypto() {
  try {
    const proc = globalThis.process;
    const mod = proc?.getBuiltinModule?.("node:crypto");
    return typeof mod?.diffieHellman === "function" && typeof mod.hkdfSync === "function" ? mod : void 0;
  } catch {
    return void 0;
  }
}
var nc = loadNodeCrypto();
var PKCS8_X25519_PREFIX = Uint8Array.from([
  48,
  46,
  2,
  1,
  0,
  48,
  5,
  6,
  3,
  43,
  101,
  110,
  4,
  34,
  4,
  32
]);
var CHACHA = "chacha20-poly1305";
var ONE = Uint8Array.of(1);
var TWO = Uint8Array.of(2);
var THREE = Uint8Array.of(3);
var oneShotHash = nc?.hash;
var TAG2 = 16;
var EMPTY2 = new Uint8Array(0);
var NodeKeyPair = class {
  constructor(publicKey, privateKey) {
    this.publicKey = publicKey;
    this.privateKey = privateKey;
  }
};
var NodePublicKey = class {
  constructor(bytes, key) {
    this.bytes = bytes;
    this.key = key;
  }
};
function b64url(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}
function rawPublic(key) {
  const jwk = key.export({ format: "jwk" });
  return new Uint8Array(Buffer.from(jwk.x, "base64url"));
}
var NodeAead = class {
  #key;
  constructor(key) {
    this.#key = nc.createSecretKey(key);
  }
  seal(nonce, ad, plaintext, out, offset) {
    const cipher = nc.createCipheriv(CHACHA, this.#key, nonce, { authTagLength: TAG2 });
    if (ad.byteLength > 0) cipher.setAAD(ad, { plaintextLength: plaintext.byteLength });
    const ct = cipher.update(plaintext);
    out.set(ct, offset);
    cipher.final();
    out.set(cipher.getAuthTag(), offset + ct.byteLength);
  }
  open(nonce, ad, ciphertext) {
    const n = ciphertext.byteLength - TAG2;
    if (n < 0) return void 0;
    const decipher = nc.createDecipheriv(CHACHA, this.#key, nonce, { authTagLength: TAG2 });
    decipher.setAuthTag(ciphertext.subarray(n));
    if (ad.byteLength > 0) decipher.setAAD(ad, { plaintextLength: n });
    const pt = n === 0 ? EMPTY2 : decipher.update(ciphertext.subarray(0, n));
    try {
      decipher.final();
    } catch {
      return void 0;
    }
    return pt;
  }
  openPieces(nonce, ad, pieces, tag) {
    const decipher = nc.createDecipheriv(CHACHA, this.#key, nonce, { authTagLength: TAG2 });
    decipher.setAuthTag(tag);
    if (ad.byteLength > 0) {
      let n = 0;
      for (const p of pieces) n += p.byteLength;
      decipher.setAAD(ad, { plaintextLength: n });
    }
    const out = [];
    for (const p of pieces) if (p.byteLength > 0) out.push(decipher.update(p));
    try {
      decipher.final();
    } catch {
      return void 0;
    }
    return out;
  }
};
var nodeCryptoAvailable = nc !== void 0;
var nodeNoiseCrypto = nc === void 0 ? void 0 : {
  name: "node",
  generateKeyPair() {
    const { publicKey, privateKey } = nc.generateKeyPairSync("x25519");
    return new NodeKeyPair(rawPublic(publicKey), privateKey);
  },
  keyPairFromSecret(secret) {
    if (secret.byteLength !== 32) throw new RangeError("an X25519 secret key is 32 bytes");
    const der = new Uint8Array(48);
    der.set(PKCS8_X25519_PREFIX);
    der.set(secret, 16);
    const privateKey = nc.createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
    return new NodeKeyPair(rawPublic(nc.createPublicKey(privateKey)), privateKey);
  },
  importPublicKey(bytes) {
    if (bytes.byteLength !== 32) throw new RangeError("an X25519 public key is 32 bytes");
    const key = nc.createPublicKey({
      key: { kty: "OKP", crv: "X25519", x: b64url(bytes) },
      format: "jwk"
    });
    return new NodePublicKey(bytes, key);
  },
  dh(local, remote) {
    if (!(local instanceof NodeKeyPair) || !(remote instanceof NodePublicKey)) {
      throw new TypeError("keys of another crypto backend");
    }
    let shared;
    try {
      shared = nc.diffieHellman({ privateKey: local.privateKey, publicKey: remote.key });
    } catch (cause) {
      throw new NoiseError("NOISE_DH_FAILED", "X25519 failed (low-order remote key?)", { cause });
    }
    if (isZero(shared)) throw new NoiseError("NOISE_DH_FAILED", "X25519 produced an all-zero secret");
    return shared;
  },
  sha256(...parts) {
    if (oneShotHash !== void 0)
      return oneShotHash("sha256", parts.length === 1 ? parts[0] : join(parts), "buffer");
    const h = nc.createHash("sha256");
    for (const p of parts) h.update(p);
    return h.digest();
  },
  hkdf(ck, ikm, outputs) {
    const temp = nc.createHmac("sha256", ck).update(ikm).digest();
    const o1 = nc.createHmac("sha256", temp).update(ONE).digest();
    const o2 = nc.createHmac("sha256", temp).update(o1).update(TWO).digest();
    if (outputs === 2) return [o1, o2];
    return [o1, o2, nc.createHmac("sha256", temp).update(o2).update(THREE).digest()];
  },
  createAead(key) {
    return new NodeAead(key);
  }
};
function join(parts) {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}
function isZero(bytes) {
  let acc = 0;
  for (let i = 0; i < bytes.byteLength; i++) acc |= bytes[i];
  return acc === 0;
}

// src/early-muxer.ts
function chooseAsInitiator(ours, responders) {
  if (ours.length === 0 || responders.length === 0) return { send: [], agreed: void 0, noCommon: false };
  const agreed = ours.find((m) => responders.includes(m));
  if (agreed === void 0) return { send: [...ours], agreed: void 0, noCommon: true };
  return { send: [agreed], agreed, noCommon: false };
}
function chooseAsResponder(ours, initiators) {
  if (ours.length === 0 || initiators.length === 0) return { agreed: void 0, noCommon: false };
  const agreed = initiators.find((m) => ours.includes(m));
  return { agreed, noCommon: agreed === void 0 };
}

// src/frame-decoder.ts
var MAX_FRAME_BYTES = 65535;
var FrameDecoder = class {
  #chunks = [];
  #head = 0;
  /** Offset of the first unread byte in `#chunks[#head]`. */
  #offset = 0;
  #bytes = 0;
  /** Bytes buffered and not yet returned as frames. */
  get bufferedBytes() {
    return this.#bytes;
  }
  /** Appends a chunk (borrowed until the frames that use it are consumed). */
  push(chunk) {
    if (chunk.byteLength === 0) return;
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
  }
  /** The next complete frame's body, or `undefined` until more bytes arrive. */
  next() {
    const len = this.#peekLength();
    if (len < 0 || this.#bytes < 2 + len) return void 0;
    this.#skip(2);
    return this.#take(len);
  }
  /** The length field of the next frame, or -1 while fewer than 2 bytes are buffered. */
  #peekLength() {
    if (this.#bytes < 2) return -1;
    const first = this.#chunks[this.#head];
    if (first.byteLength - this.#offset >= 2) return first[this.#offset] << 8 | first[this.#offset + 1];
    return first[this.#offset] << 8 | this.#chunks[this.#head + 1][0];
  }
  /**
   * The next complete frame's body as views of the received chunks (one view
   * when it lies in one chunk, several when it straddles chunks; never a copy),
   * or `undefined` until more bytes arrive. An empty frame is `[]`.
   */
  nextPieces() {
    const len = this.#peekLength();
    if (len < 0 || this.#bytes < 2 + len) return void 0;
    this.#skip(2);
    this.#bytes -= len;
    const pieces = [];
    let n = len;
    while (n > 0) {
      const c = this.#chunks[this.#head];
      const avail = c.byteLength - this.#offset;
      if (n < avail) {
        pieces.push(c.subarray(this.#offset, this.#offset + n));
        this.#offset += n;
        break;
      }
      pieces.push(this.#offset === 0 ? c : c.subarray(this.#offset));
      n -= avail;
      this.#advanceChunk();
    }
    return pieces;
  }
  /** Drops everything (on close). */
  clear() {
    this.#chunks = [];
    this.#head = 0;
    this.#offset = 0;
    this.#bytes = 0;
  }
  #skip(n) {
    this.#bytes -= n;
    while (n > 0) {
      const c = this.#chunks[this.#head];
      const avail = c.byteLength - this.#offset;
      if (n < avail) {
        this.#offset += n;
        return;
      }
      n -= avail;
      this.#advanceChunk();
    }
  }
  #take(n) {
    if (n === 0) return EMPTY3;
    this.#bytes -= n;
    const c = this.#chunks[this.#head];
    const avail = c.byteLength - this.#offset;
    if (n <= avail) {
      const out2 = c.subarray(this.#offset, this.#offset + n);
      if (n === avail) this.#advanceChunk();
      else this.#offset += n;
      return out2;
    }
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const chunk = this.#chunks[this.#head];
      const piece = Math.min(n - o, chunk.byteLength - this.#offset);
      out.set(chunk.subarray(this.#offset, this.#offset + piece), o);
      o += piece;
      if (piece === chunk.byteLength - this.#offset) this.#advanceChunk();
      else this.#offset += piece;
    }
    return out;
  }
  #advanceChunk() {
    this.#chunks[this.#head++] = EMPTY3;
    this.#offset = 0;
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head > 64 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }
};
var EMPTY3 = new Uint8Array(0);

// src/symmetric-state.ts
var EMPTY4 = new Uint8Array(0);
var HASHLEN = 32;
var SymmetricState = class {
  #crypto;
  cipherState;
  #ck;
  #h;
  /** `InitializeSymmetric(protocol_name)`. */
  constructor(crypto, protocolName) {
    this.#crypto = crypto;
    const name = new TextEncoder().encode(protocolName);
    if (name.byteLength <= HASHLEN) {
      this.#h = new Uint8Array(HASHLEN);
      this.#h.set(name);
    } else {
      this.#h = crypto.sha256(name);
    }
    this.#ck = this.#h;
    this.cipherState = new CipherState(crypto);
  }
  /** The handshake hash `h` (§5.2 GetHandshakeHash). Borrowed. */
  get handshakeHash() {
    return this.#h;
  }
  /** `MixKey(ikm)`. */
  mixKey(ikm) {
    const [ck, tempK] = this.#crypto.hkdf(this.#ck, ikm, 2);
    this.#ck = ck;
    this.cipherState.initializeKey(tempK);
  }
  /** `MixHash(data)`. */
  mixHash(data) {
    this.#h = this.#crypto.sha256(this.#h, data);
  }
  /** `EncryptAndHash(plaintext)`. */
  encryptAndHash(plaintext) {
    const ct = this.cipherState.encryptWithAd(this.#h, plaintext);
    this.mixHash(ct);
    return ct;
  }
  /** `DecryptAndHash(ciphertext)`. Throws `NOISE_DECRYPT_FAILED`. */
  decryptAndHash(ciphertext) {
    const pt = this.cipherState.decryptWithAd(this.#h, ciphertext);
    this.mixHash(ciphertext);
    return pt;
  }
  /** `Split()`: the initiator's sending and the responder's sending CipherStates. */
  split() {
    const [k1, k2] = this.#crypto.hkdf(this.#ck, EMPTY4, 2);
    return [new CipherState(this.#crypto, k1), new CipherState(this.#crypto, k2)];
  }
};

// src/handshake-state.ts
var PROTOCOL_NAME = "Noise_XX_25519_ChaChaPoly_SHA256";
var DHLEN = 32;
var XX = [["e"], ["e", "ee", "s", "es"], ["s", "se"]];
var XXHandshakeState = class {
  initiator;
  #crypto;
  #ss;
  #s;
  #e;
  #re;
  #rs;
  #step = 0;
  constructor(init) {
    this.initiator = init.initiator;
    this.#crypto = init.crypto;
    this.#s = init.staticKeyPair;
    this.#e = init.ephemeralKeyPair;
    this.#ss = new SymmetricState(init.crypto, PROTOCOL_NAME);
    this.#ss.mixHash(init.prologue ?? new Uint8Array(0));
  }
  /** True after the third message. */
  get complete() {
    return this.#step === XX.length;
  }
  /** The remote static public key (after it was read), raw 32 bytes. */
  get remoteStaticKey() {
    return this.#rs?.bytes;
  }
  /** The current handshake hash. */
  get handshakeHash() {
    return this.#ss.handshakeHash;
  }
  /** `WriteMessage(payload)`: the next handshake message (fresh buffer). */
  writeMessage(payload) {
    const tokens = this.#ourTurn(true);
    const ss = this.#ss;
    const parts = [];
    for (const token of tokens) {
      switch (token) {
        case "e": {
          this.#e ??= this.#crypto.generateKeyPair();
          parts.push(this.#e.publicKey);
          ss.mixHash(this.#e.publicKey);
          break;
        }
        case "s":
          parts.push(ss.encryptAndHash(this.#s.publicKey));
          break;
        default:
          ss.mixKey(this.#dh(token));
      }
    }
    parts.push(ss.encryptAndHash(payload));
    this.#step++;
    return concat(parts);
  }
  /**
   * `ReadMessage(message)`: processes the remote's next message and returns its
   * payload (fresh, or a view of `message` before any key exists).
   */
  readMessage(message) {
    const tokens = this.#ourTurn(false);
    const ss = this.#ss;
    let offset = 0;
    const take = (n) => {
      if (message.byteLength - offset < n) {
        throw new NoiseError(
          "NOISE_BAD_HANDSHAKE_MESSAGE",
          `handshake message ${this.#step + 1} is too short`
        );
      }
      const part = message.subarray(offset, offset + n);
      offset += n;
      return part;
    };
    for (const token of tokens) {
      switch (token) {
        case "e": {
          const re = copy(take(DHLEN));
          ss.mixHash(re);
          this.#re = this.#crypto.importPublicKey(re);
          break;
        }
        case "s": {
          const n = DHLEN + (ss.cipherState.hasKey() ? TAG_LENGTH : 0);
          const rs = copy(ss.decryptAndHash(take(n)));
          this.#rs = this.#crypto.importPublicKey(rs);
          break;
        }
        default:
          ss.mixKey(this.#dh(token));
      }
    }
    if (ss.cipherState.hasKey() && message.byteLength - offset < TAG_LENGTH) {
      throw new NoiseError("NOISE_BAD_HANDSHAKE_MESSAGE", `handshake message ${this.#step + 1} is too short`);
    }
    const payload = ss.decryptAndHash(message.subarray(offset));
    this.#step++;
    return payload;
  }
  /**
   * `Split()` after the last message: the initiator sends with the first
   * CipherState and receives with the second; the responder the other way round.
   */
  split() {
    if (!this.complete) throw new Error("split() before the handshake completed");
    const [c1, c2] = this.#ss.split();
    return this.initiator ? { send: c1, recv: c2, handshakeHash: this.#ss.handshakeHash } : { send: c2, recv: c1, handshakeHash: this.#ss.handshakeHash };
  }
  #ourTurn(writing) {
    const tokens = XX[this.#step];
    if (tokens === void 0) throw new Error("the handshake is already complete");
    const initiatorWrites = this.#step % 2 === 0;
    if (writing !== (initiatorWrites === this.initiator)) {
      throw new Error(`not this side's turn to ${writing ? "write" : "read"}`);
    }
    return tokens;
  }
  #dh(token) {
    const crypto = this.#crypto;
    switch (token) {
      case "ee":
        return crypto.dh(this.#e, this.#re);
      case "es":
        return this.initiator ? crypto.dh(this.#e, this.#rs) : crypto.dh(this.#s, this.#re);
      case "se":
        return this.initiator ? crypto.dh(this.#s, this.#re) : crypto.dh(this.#e, this.#rs);
    }
  }
};
function concat(parts) {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}
function copy(bytes) {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}

// src/identity.ts
import { peerIdFromPublicKey, publicKeyFromProtobuf } from "@switchyard/peer-id";
var PREFIX = new TextEncoder().encode("noise-libp2p-static-key:");
function staticKeySignedData(staticPublicKey) {
  const out = new Uint8Array(PREFIX.byteLength + staticPublicKey.byteLength);
  out.set(PREFIX);
  out.set(staticPublicKey, PREFIX.byteLength);
  return out;
}
function verifyIdentity(identityKey, identitySig, remoteStatic) {
  if (identityKey.byteLength === 0) {
    throw new NoiseError("NOISE_INVALID_IDENTITY_KEY", "the handshake payload has no identity key");
  }
  let key;
  try {
    key = publicKeyFromProtobuf(identityKey);
  } catch (cause) {
    throw new NoiseError("NOISE_INVALID_IDENTITY_KEY", "the remote identity key cannot be decoded", { cause });
  }
  let ok = false;
  try {
    ok = key.verify(staticKeySignedData(remoteStatic), identitySig);
  } catch (cause) {
    throw new NoiseError("NOISE_INVALID_SIGNATURE", "the identity signature cannot be verified", { cause });
  }
  if (!ok)
    throw new NoiseError("NOISE_INVALID_SIGNATURE", "the identity signature over the static key is invalid");
  return peerIdFromPublicKey(key);
}

// src/payload.ts
var utf8 = new TextEncoder();
var utf8Strict = new TextDecoder("utf-8", { fatal: true });
function encodePayload(payload) {
  const w = new Writer();
  if (payload.identityKey.byteLength > 0) w.bytesField(1, payload.identityKey);
  if (payload.identitySig.byteLength > 0) w.bytesField(2, payload.identitySig);
  const ext = payload.extensions;
  if (ext !== void 0 && (ext.webtransportCerthashes.length > 0 || ext.streamMuxers.length > 0)) {
    const e = new Writer();
    for (const h of ext.webtransportCerthashes) e.bytesField(1, h);
    for (const m of ext.streamMuxers) e.bytesField(2, utf8.encode(m));
    w.bytesField(4, e.finish());
  }
  return w.finish();
}
function decodePayload(bytes) {
  const out = { identityKey: EMPTY5, identitySig: EMPTY5 };
  const r = new Reader(bytes);
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 2) out.identityKey = copy2(r.bytes());
    else if (field === 2 && wire === 2) out.identitySig = copy2(r.bytes());
    else if (field === 4 && wire === 2) {
      const ext = decodeExtensions(r.bytes());
      if (out.extensions === void 0) out.extensions = ext;
      else {
        out.extensions.webtransportCerthashes.push(...ext.webtransportCerthashes);
        out.extensions.streamMuxers.push(...ext.streamMuxers);
      }
    } else r.skip(wire);
  }
  return out;
}
function decodeExtensions(bytes) {
  const ext = { webtransportCerthashes: [], streamMuxers: [] };
  const r = new Reader(bytes);
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 2) ext.webtransportCerthashes.push(copy2(r.bytes()));
    else if (field === 2 && wire === 2) {
      try {
        ext.streamMuxers.push(utf8Strict.decode(r.bytes()));
      } catch (cause) {
        throw invalid("a stream muxer id is not UTF-8", cause);
      }
    } else r.skip(wire);
  }
  return ext;
}
var EMPTY5 = new Uint8Array(0);
function copy2(bytes) {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}
function invalid(message, cause) {
  return new NoiseError("NOISE_INVALID_PAYLOAD", `invalid handshake payload: ${message}`, { cause });
}
var Reader = class {
  constructor(buf) {
    this.buf = buf;
  }
  #pos = 0;
  get done() {
    return this.#pos >= this.buf.byteLength;
  }
  varint() {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.#pos >= this.buf.byteLength) throw invalid("truncated varint");
      const b = this.buf[this.#pos++];
      result += (b & 127) * mul;
      if ((b & 128) === 0) return result;
      mul *= 128;
    }
    throw invalid("varint longer than 10 bytes");
  }
  tag() {
    const t = this.varint();
    const field = Math.floor(t / 8);
    if (field === 0) throw invalid("field number 0");
    return [field, t % 8];
  }
  bytes() {
    const n = this.varint();
    if (n > this.buf.byteLength - this.#pos) throw invalid("length-delimited field past the end");
    const out = this.buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }
  skip(wire) {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.#advance(8);
        return;
      case 2:
        this.bytes();
        return;
      case 5:
        this.#advance(4);
        return;
      default:
        throw invalid(`unsupported wire type ${wire}`);
    }
  }
  #advance(n) {
    if (n > this.buf.byteLength - this.#pos) throw invalid("fixed field past the end");
    this.#pos += n;
  }
};
var Writer = class {
  #parts = [];
  #chunks = [];
  #size = 0;
  bytesField(field, value) {
    this.#varint(field * 8 + 2);
    this.#varint(value.byteLength);
    this.#flushHeader();
    this.#chunks.push(value);
    this.#size += value.byteLength;
  }
  #varint(n) {
    while (n > 127) {
      this.#parts.push(n & 127 | 128);
      n = Math.floor(n / 128);
    }
    this.#parts.push(n);
  }
  #flushHeader() {
    this.#chunks.push(this.#parts.splice(0));
    this.#size += this.#chunks[this.#chunks.length - 1].length;
  }
  finish() {
    const out = new Uint8Array(this.#size);
    let o = 0;
    for (const c of this.#chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
};

// src/handshake.ts
var EMPTY6 = new Uint8Array(0);
function performHandshake(stream, init) {
  const signal = init.signal;
  if (signal?.aborted === true) {
    stream.destroy(signal.reason instanceof Error ? signal.reason : void 0);
    return Promise.reject(signal.reason);
  }
  return new Promise((resolve, reject) => {
    const hs = new XXHandshakeState({
      crypto: init.crypto,
      initiator: init.initiator,
      staticKeyPair: init.staticKeyPair,
      ...init.prologue !== void 0 ? { prologue: init.prologue } : {},
      ...init.ephemeralKeyPair !== void 0 ? { ephemeralKeyPair: init.ephemeralKeyPair } : {}
    });
    const decoder = new FrameDecoder();
    let settled = false;
    let remotePeer;
    let remoteExtensions = { webtransportCerthashes: [], streamMuxers: [] };
    const cleanup = () => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      offClosed();
    };
    const fail = (err, reason = err) => {
      if (settled) return;
      cleanup();
      decoder.clear();
      stream.setSink(null);
      stream.destroy(err instanceof Error ? err : void 0);
      reject(reason);
    };
    const onAbort = () => fail(signal.reason);
    const timer = setTimeout(
      () => fail(new NoiseError("NOISE_HANDSHAKE_TIMEOUT", `the handshake took over ${init.timeoutMs} ms`)),
      init.timeoutMs
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    const offClosed = stream.onceClosed(
      (err) => fail(new NoiseError("NOISE_TRUNCATED", "the connection closed during the handshake", { cause: err }))
    );
    const send = (message) => {
      if (message.byteLength > MAX_FRAME_BYTES) {
        throw new RangeError(`a handshake message of ${message.byteLength} bytes does not fit a frame`);
      }
      const frame = new Uint8Array(2 + message.byteLength);
      frame[0] = message.byteLength >> 8;
      frame[1] = message.byteLength & 255;
      frame.set(message, 2);
      stream.write(frame);
    };
    const payload = (muxers) => encodePayload({
      identityKey: init.identityKey,
      identitySig: init.identitySig,
      extensions: {
        webtransportCerthashes: [...init.webtransportCerthashes ?? []],
        streamMuxers: [...muxers]
      }
    });
    const authenticate = (plaintext) => {
      const p = decodePayload(plaintext);
      const peer = verifyIdentity(p.identityKey, p.identitySig, hs.remoteStaticKey);
      if (init.remotePeer !== void 0 && !init.remotePeer.equals(peer)) {
        throw new NoiseError(
          "NOISE_UNEXPECTED_PEER",
          `expected peer ${init.remotePeer.toString()}, the remote is ${peer.toString()}`
        );
      }
      remotePeer = peer;
      if (p.extensions !== void 0) remoteExtensions = p.extensions;
    };
    const complete = (muxer) => {
      cleanup();
      stream.setSink(null);
      resolve({ keys: hs.split(), decoder, remotePeer, remoteExtensions, muxer });
    };
    let step = 0;
    const onMessage = (message) => {
      if (init.initiator) {
        authenticate(hs.readMessage(message));
        const choice = chooseAsInitiator(init.muxers, remoteExtensions.streamMuxers);
        send(hs.writeMessage(payload(choice.send)));
        if (choice.noCommon) throw noCommonMuxer(init.muxers, remoteExtensions.streamMuxers);
        complete(choice.agreed);
      } else if (step === 0) {
        hs.readMessage(message);
        send(hs.writeMessage(payload(init.muxers)));
      } else {
        authenticate(hs.readMessage(message));
        const choice = chooseAsResponder(init.muxers, remoteExtensions.streamMuxers);
        if (choice.noCommon) throw noCommonMuxer(init.muxers, remoteExtensions.streamMuxers);
        complete(choice.agreed);
      }
      step++;
    };
    stream.setSink({
      onData(chunk) {
        if (settled) return;
        decoder.push(chunk);
        try {
          while (!settled) {
            const m = decoder.next();
            if (m === void 0) break;
            onMessage(m);
          }
        } catch (err) {
          fail(err);
        }
      },
      onEnd() {
        fail(new NoiseError("NOISE_TRUNCATED", "the remote closed the connection during the handshake"));
      }
    });
    stream.resume();
    if (init.initiator) {
      try {
        send(hs.writeMessage(EMPTY6));
      } catch (err) {
        fail(err);
      }
    }
  });
}
function noCommonMuxer(ours, theirs) {
  return new NoiseError(
    "NOISE_NO_COMMON_MUXER",
    `no common muxer: we offered ${JSON.stringify(ours)}, the remote ${JSON.stringify(theirs)}`
  );
}

// src/secure-channel.ts
import { ByteStreamBase } from "@switchyard/interface";
var MAX_PLAINTEXT_BYTES = MAX_FRAME_BYTES - TAG_LENGTH;
var MAX_BATCH_PLAINTEXT = 16 * MAX_PLAINTEXT_BYTES;
var EMPTY7 = new Uint8Array(0);
var SecureChannel = class extends ByteStreamBase {
  #inner;
  #send;
  #recv;
  #decoder;
  #writableHwm;
  #pending = [];
  #pendingHead = 0;
  #pendingBytes = 0;
  #flushScheduled = false;
  #innerNeedsDrain = false;
  #endRequested = false;
  #endSent = false;
  #innerClosed = false;
  #offDrain = noop;
  #offClosed = noop;
  #flushTask = () => {
    this.#flushScheduled = false;
    this.#flush();
  };
  constructor(inner, keys, init = {}) {
    super(init);
    this.#inner = inner;
    this.#send = keys.send;
    this.#recv = keys.recv;
    this.#decoder = keys.decoder;
    this.#writableHwm = init.writableHighWaterMark ?? 128 * 1024;
    this.#offClosed = inner.onceClosed((err) => this.#onInnerClosed(err));
    inner.setSink({
      onData: (chunk) => this.#onData(chunk),
      onEnd: () => this.#onEnd()
    });
    if (this.#decoder.bufferedBytes > 0) this.#onData(EMPTY7);
  }
  // ---- reading --------------------------------------------------------------
  #onData(chunk) {
    if (this.closed) return;
    const decoder = this.#decoder;
    decoder.push(chunk);
    let more = true;
    for (let pieces = decoder.nextPieces(); pieces !== void 0; pieces = decoder.nextPieces()) {
      let n = 0;
      for (const p of pieces) n += p.byteLength;
      if (n < TAG_LENGTH) {
        this.#fail(new NoiseError("NOISE_FRAME_TOO_SHORT", `a ${n}-byte frame cannot hold a tag`));
        return;
      }
      let plaintext;
      try {
        plaintext = this.#recv.decryptPieces(EMPTY7, pieces, n);
      } catch (err) {
        this.#fail(err);
        return;
      }
      for (const p of plaintext) {
        if (p.byteLength > 0) more = this.push(p) && more;
        if (this.closed) return;
      }
    }
    if (!more) this.#inner.pause();
  }
  #onEnd() {
    if (this.closed) return;
    if (this.#decoder.bufferedBytes > 0) {
      this.#fail(new NoiseError("NOISE_TRUNCATED", "the stream ended inside a noise frame"));
      return;
    }
    this.pushEnd();
  }
  _readMore() {
    this.#inner.resume();
  }
  // ---- writing --------------------------------------------------------------
  _write(chunk) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError("write() takes a Uint8Array");
    if (chunk.byteLength > 0) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.byteLength;
      if (!this.#flushScheduled && !this.#innerNeedsDrain) {
        this.#flushScheduled = true;
        queueMicrotask(this.#flushTask);
      }
    }
    return !this.#innerNeedsDrain && this.#pendingBytes < this.#writableHwm;
  }
  _end() {
    this.#endRequested = true;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flushTask);
    }
  }
  #flush() {
    const inner = this.#inner;
    while (this.#pendingBytes > 0 && !this.#innerNeedsDrain && !this.closed) {
      const batch = Math.min(this.#pendingBytes, MAX_BATCH_PLAINTEXT);
      const frames = Math.ceil(batch / MAX_PLAINTEXT_BYTES);
      const out = allocUnsafe(batch + frames * (2 + TAG_LENGTH));
      let o = 0;
      let left = batch;
      try {
        while (left > 0) {
          const n = Math.min(left, MAX_PLAINTEXT_BYTES);
          out[o] = n + TAG_LENGTH >> 8;
          out[o + 1] = n + TAG_LENGTH & 255;
          this.#send.sealInto(EMPTY7, this.#takePlaintext(n), out, o + 2);
          o += 2 + n + TAG_LENGTH;
          left -= n;
        }
      } catch (err) {
        this.#fail(err);
        return;
      }
      if (!inner.write(out)) {
        if (inner.closed) return;
        this.#innerNeedsDrain = true;
        this.#offDrain = inner.onceDrain(() => {
          this.#innerNeedsDrain = false;
          this.#flush();
        });
      }
    }
    if (this.closed) return;
    if (this.#pendingBytes === 0 && this.#endRequested && !this.#endSent) {
      this.#endSent = true;
      inner.end();
    }
    if (!this.#innerNeedsDrain && this.#pendingBytes < this.#writableHwm) this.emitDrain();
  }
  /** The next `n` plaintext bytes: a view when they lie in one chunk, else joined. */
  #takePlaintext(n) {
    this.#pendingBytes -= n;
    const first = this.#pending[this.#pendingHead];
    if (first.byteLength === n) {
      this.#dropPendingHead();
      return first;
    }
    if (first.byteLength > n) {
      this.#pending[this.#pendingHead] = first.subarray(n);
      return first.subarray(0, n);
    }
    const joined = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = this.#pending[this.#pendingHead];
      const piece = Math.min(c.byteLength, n - o);
      joined.set(piece === c.byteLength ? c : c.subarray(0, piece), o);
      if (piece === c.byteLength) this.#dropPendingHead();
      else this.#pending[this.#pendingHead] = c.subarray(piece);
      o += piece;
    }
    return joined;
  }
  // A head index instead of shift(): many small writes in one tick stay O(n).
  #dropPendingHead() {
    this.#pending[this.#pendingHead++] = EMPTY7;
    if (this.#pendingHead === this.#pending.length) {
      this.#pending = [];
      this.#pendingHead = 0;
    }
  }
  // ---- closing --------------------------------------------------------------
  #onInnerClosed(err) {
    if (this.closed) return;
    if (err !== void 0) {
      this.finish(err);
      return;
    }
    if (this.#decoder.bufferedBytes > 0) {
      this.finish(new NoiseError("NOISE_TRUNCATED", "the stream closed inside a noise frame"));
      return;
    }
    this.#innerClosed = true;
    this.finish();
  }
  #fail(err) {
    this.destroy(err);
  }
  _destroy(err) {
    this.#pending = [];
    this.#pendingHead = 0;
    this.#pendingBytes = 0;
    this.#decoder.clear();
    this.#offDrain();
    this.#offClosed();
    if (this.#innerClosed) return;
    this.#inner.setSink(null);
    this.#inner.destroy(err);
  }
};
var noop = () => {
};
var NodeBuffer = globalThis.Buffer;
function allocUnsafe(n) {
  return NodeBuffer !== void 0 ? NodeBuffer.allocUnsafe(n) : new Uint8Array(n);
}

// src/noise.ts
var defaults = {
  muxers: [],
  crypto: "auto",
  handshakeTimeoutMs: 1e4,
  readableHighWaterMark: 64 * 1024,
  writableHighWaterMark: 128 * 1024
};
function resolveNoiseCrypto(choice = "auto") {
  if (typeof choice === "object" && choice !== null) return choice;
  switch (choice) {
    case "auto":
      return nodeNoiseCrypto ?? nobleNoiseCrypto;
    case "node":
      if (nodeNoiseCrypto === void 0) throw new RangeError("node:crypto is not available in this runtime");
      return nodeNoiseCrypto;
    case "noble":
      return nobleNoiseCrypto;
    default:
      throw new RangeError(`unknown noise crypto ${String(choice)}`);
  }
}
function validate(init) {
  if (init === null || typeof init !== "object") throw new TypeError("createNoise needs an init object");
  const key = init.privateKey;
  if (key === void 0 || typeof key.sign !== "function" || typeof key.publicKey?.toProtobuf !== "function") {
    throw new TypeError("init.privateKey must be a libp2p private key (sign, publicKey.toProtobuf)");
  }
  const t = init.handshakeTimeoutMs;
  if (t !== void 0 && !(Number.isFinite(t) && t > 0))
    throw new RangeError("handshakeTimeoutMs must be > 0");
  if (init.muxers !== void 0) checkMuxers(init.muxers);
  if (init.staticNoiseKey !== void 0 && init.staticNoiseKey.byteLength !== 32) {
    throw new RangeError("staticNoiseKey must be 32 bytes");
  }
  for (const n of [init.readableHighWaterMark, init.writableHighWaterMark]) {
    if (n !== void 0 && !(Number.isInteger(n) && n > 0))
      throw new RangeError("high-water marks must be > 0");
  }
}
function checkMuxers(muxers) {
  if (!Array.isArray(muxers) || muxers.some((m) => typeof m !== "string" || m.length === 0)) {
    throw new TypeError("muxers must be an array of non-empty protocol ids");
  }
}
function createNoise(init) {
  validate(init);
  const crypto = resolveNoiseCrypto(init.crypto ?? defaults.crypto);
  const staticKeyPair = init.staticNoiseKey !== void 0 ? crypto.keyPairFromSecret(init.staticNoiseKey) : crypto.generateKeyPair();
  const identityKey = init.privateKey.publicKey.toProtobuf();
  const identitySig = init.privateKey.sign(staticKeySignedData(staticKeyPair.publicKey));
  const timeoutMs = init.handshakeTimeoutMs ?? defaults.handshakeTimeoutMs;
  const channelInit = {
    readableHighWaterMark: init.readableHighWaterMark ?? defaults.readableHighWaterMark,
    writableHighWaterMark: init.writableHighWaterMark ?? defaults.writableHighWaterMark
  };
  const secure = async (stream, initiator, options = {}) => {
    if (options.muxers !== void 0) checkMuxers(options.muxers);
    const result = await performHandshake(stream, {
      crypto,
      initiator,
      staticKeyPair,
      identityKey,
      identitySig,
      muxers: options.muxers ?? init.muxers ?? defaults.muxers,
      ...init.webtransportCerthashes !== void 0 ? { webtransportCerthashes: init.webtransportCerthashes } : {},
      remotePeer: options.remotePeer,
      ...init.prologue !== void 0 ? { prologue: init.prologue } : {},
      timeoutMs,
      signal: options.signal
    });
    const channel = new SecureChannel(
      stream,
      { send: result.keys.send, recv: result.keys.recv, decoder: result.decoder },
      channelInit
    );
    return {
      stream: channel,
      remotePeer: result.remotePeer,
      muxer: result.muxer,
      remoteExtensions: result.remoteExtensions
    };
  };
  return {
    protocol: "/noise",
    cryptoName: crypto.name,
    staticPublicKey: staticKeyPair.publicKey,
    secureOutbound: (stream, options) => secure(stream, true, options),
    secureInbound: (stream, options) => secure(stream, false, options)
  };
}
export {
  CipherState,
  FrameDecoder,
  MAX_FRAME_BYTES,
  MAX_PLAINTEXT_BYTES,
  NoiseError,
  PROTOCOL_NAME,
  SecureChannel,
  TAG_LENGTH,
  XXHandshakeState,
  chooseAsInitiator,
  chooseAsResponder,
  createNoise,
  decodePayload,
  defaults,
  encodePayload,
  nobleNoiseCrypto,
  nodeCryptoAvailable,
  nodeNoiseCrypto,
  resolveNoiseCrypto,
  staticKeySignedData
};
//# sourceMappingURL=index.js.map