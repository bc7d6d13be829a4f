// The payload codec of SPEC §6: every payload the client or a worker hands to Temporal (workflow
// inputs and results, activity inputs and results, signals, queries, updates, memos) is encrypted
// with AES-256-GCM before it leaves the process, so Temporal's history holds no name, ID number,
// phone or card number in clear. The key is derived from PII_KEY (HKDF, purpose "temporal"), so
// the API and every worker share it without another secret. Each encrypted payload names its key
// (`encryption-key-id`): a new key id can be introduced later while old histories still decode.
//
// Erasure of a person from Temporal does not rely on this key (it is shared by everyone): closing
// a wallet deletes the person's onboarding histories (activity `eraseWorkflowHistories`).
//
// Decoding passes through payloads that were never encrypted (histories recorded before the codec,
// and the few payloads Temporal itself writes), so they replay and display as before.
import type { Payload, PayloadCodec } from '@temporalio/common';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
/** The master-derived Temporal key, version 1. */
export const MASTER_KEY_ID = 'm1';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export class PayloadDecryptionError extends Error {
  constructor(reason: string) {
    super(`Temporal payload cannot be decrypted: ${reason}`);
    this.name = 'PayloadDecryptionError';
  }
}

/** The 32-byte Temporal payload key derived from the master PII key. */
export function temporalPayloadKey(piiKey: Buffer): Buffer {
  if (piiKey.length !== 32) throw new Error('PII keys must be 32 bytes');
  return Buffer.from(hkdfSync('sha256', piiKey, Buffer.alloc(0), 'wallet-pii:temporal', 32));
}

// The plaintext inside the envelope: the original payload (metadata and data), as JSON with
// base64 values. Our own format: only this codec ever reads it.
function serialize(payload: Payload): Buffer {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload.metadata ?? {}))
    if (v) metadata[k] = Buffer.from(v).toString('base64');
  return Buffer.from(
    JSON.stringify({
      m: metadata,
      d: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
    }),
    'utf8',
  );
}

function deserialize(bytes: Buffer): Payload {
  const { m, d } = JSON.parse(bytes.toString('utf8')) as { m: Record<string, string>; d: string };
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(m)) metadata[k] = new Uint8Array(Buffer.from(v, 'base64'));
  return { metadata, data: new Uint8Array(Buffer.from(d, 'base64')) };
}

export class EncryptionCodec implements PayloadCodec {
  /**
   * @param keys every key that may still be needed to decode, by key id
   * @param currentKeyId the key new payloads are encrypted under
   */
  constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    private readonly currentKeyId: string,
  ) {
    const key = keys.get(currentKeyId);
    if (!key || key.length !== 32) throw new Error(`no 32-byte key "${currentKeyId}"`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.currentKeyId;
    const key = this.keys.get(keyId)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      // The key id is bound: an envelope relabelled with another key id does not open.
      cipher.setAAD(Buffer.from(keyId, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(serialize(payload)), cipher.final()]);
      return {
        metadata: {
          encoding: utf8.encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: utf8.encode(keyId),
        },
        data: new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), ciphertext])),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || fromUtf8.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
      if (!keyIdBytes) throw new PayloadDecryptionError('no key id');
      const keyId = fromUtf8.decode(keyIdBytes);
      const key = this.keys.get(keyId);
      if (!key) throw new PayloadDecryptionError(`unknown key id "${keyId}"`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('truncated');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(keyId, 'utf8'));
        decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        const plain = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]);
        return deserialize(plain);
      } catch {
        throw new PayloadDecryptionError('wrong key or tampered data');
      }
    });
  }
}

/** The codec of this deployment: payloads under the master-derived Temporal key. */
export function createPayloadCodec(piiKey: Buffer): EncryptionCodec {
  return new EncryptionCodec(new Map([[MASTER_KEY_ID, temporalPayloadKey(piiKey)]]), MASTER_KEY_ID);
}

/** The data converter for every Client and Worker of the app (and for replaying its histories). */
export function createDataConverter(piiKey: Buffer) {
  return { payloadCodecs: [createPayloadCodec(piiKey)] };
}

// --- the JSON form of the codec server (what the Temporal UI and CLI send) --------------------

export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

/** A payload in proto3 JSON form (base64 metadata values and data) to a Payload. */
export function payloadFromJson(json: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(json.metadata ?? {}))
    metadata[k] = new Uint8Array(Buffer.from(v, 'base64'));
  return { metadata, data: new Uint8Array(Buffer.from(json.data ?? '', 'base64')) };
}

export function payloadToJson(payload: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload.metadata ?? {}))
    if (v) metadata[k] = Buffer.from(v).toString('base64');
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}
