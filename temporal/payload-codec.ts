// The payload codec of SPEC §6: every payload the client or a worker hands to Temporal (workflow
// inputs and results, activity inputs and results, signals, queries, updates, memos) is encrypted
// with AES-256-GCM before it leaves the process, so Temporal's history holds no name, ID number,
// phone or card number in clear.
//
// Two kinds of key. A workflow that carries a person's data (an onboarding workflow: registered
// in `temporal_subjects` before it starts) has its payloads, and those of its activities, under a
// key derived from that person's data key (key id `s1`, the workflow id named in the payload).
// Closing the wallet erases the person's key, so whatever is left of those histories, in Temporal
// or in any copy of it, can no longer be decrypted. Every other payload is under the master-derived
// key (`m1`: HKDF of PII_KEY, purpose "temporal"), shared by the API and every worker without
// another secret. Each payload names its key (`encryption-key-id`), so new keys can be introduced
// while histories under an older one still decode.
//
// Decoding refuses a payload that is not encrypted: every payload of this app's workflows went
// through this codec, so a plaintext one was written by something else and is not to be trusted.
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
/** The master-derived Temporal key, version 1. */
export const MASTER_KEY_ID = 'm1';
/** A person's Temporal key, version 1; the payload names its workflow in `SUBJECT_METADATA`. */
export const SUBJECT_KEY_ID = 's1';
export const SUBJECT_METADATA = 'encryption-subject';

export type SubjectKey = Buffer | null | undefined;

/** Finds the person whose data a workflow carries, and that person's Temporal key. */
export interface SubjectKeys {
  /**
   * `undefined`: the workflow carries no one's data (the master key is used); `null`: it did, and
   * the person's key has been erased; else the 32-byte key.
   */
  keyFor(workflowId: string): SubjectKey | Promise<SubjectKey>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export class PayloadDecryptionError extends Error {
  /** @param erased the key existed and was erased: the payload is gone for good. */
  constructor(
    reason: string,
    readonly erased = false,
  ) {
    super(`Temporal payload cannot be decrypted: ${reason}`);
    this.name = 'PayloadDecryptionError';
  }
}

export class PayloadEncryptionError extends Error {
  constructor(reason: string) {
    super(`Temporal payload cannot be encrypted: ${reason}`);
    this.name = 'PayloadEncryptionError';
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
   * @param keys every master-derived key that may still be needed to decode, by key id
   * @param currentKeyId the master-derived key new payloads are encrypted under
   * @param subjects the persons' keys; without it every payload is under the master key
   */
  constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    private readonly currentKeyId: string,
    private readonly subjects?: SubjectKeys,
  ) {
    const key = keys.get(currentKeyId);
    if (!key || key.length !== 32) throw new Error(`no 32-byte key "${currentKeyId}"`);
  }

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const workflowId = context?.workflowId;
    const subjectKey = workflowId ? await this.subjects?.keyFor(workflowId) : undefined;
    if (subjectKey === null)
      throw new PayloadEncryptionError(`the key of the person in ${workflowId} was erased`);
    return payloads.map((payload) =>
      subjectKey && workflowId
        ? seal(payload, subjectKey, SUBJECT_KEY_ID, workflowId)
        : seal(payload, this.keys.get(this.currentKeyId)!, this.currentKeyId),
    );
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        if (!isEncrypted(payload)) throw new PayloadDecryptionError('not encrypted');
        const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
        if (!keyIdBytes) throw new PayloadDecryptionError('no key id');
        const keyId = fromUtf8.decode(keyIdBytes);
        if (keyId !== SUBJECT_KEY_ID) {
          const key = this.keys.get(keyId);
          if (!key) throw new PayloadDecryptionError(`unknown key id "${keyId}"`);
          return open(payload, key, keyId);
        }
        // The payload names its workflow, so the codec server, which is given no context, decodes it.
        const subjectBytes = payload.metadata?.[SUBJECT_METADATA];
        if (!subjectBytes) throw new PayloadDecryptionError('no subject');
        const subject = fromUtf8.decode(subjectBytes);
        const key = await this.subjects?.keyFor(subject);
        if (key === null)
          throw new PayloadDecryptionError(`the key of ${subject} was erased`, true);
        if (!key) throw new PayloadDecryptionError(`no key for ${subject}`);
        return open(payload, key, SUBJECT_KEY_ID, subject);
      }),
    );
  }
}

/** Whether `payload` is one of this codec's envelopes (whichever key it is under). */
export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.encoding;
  return (
    encoding !== undefined && encoding !== null && fromUtf8.decode(encoding) === ENCRYPTED_ENCODING
  );
}

// The key id and the subject are bound as associated data: an envelope relabelled with another
// key id or moved to another workflow does not open.
const associatedData = (keyId: string, subject?: string) =>
  Buffer.from(subject === undefined ? keyId : `${keyId}:${subject}`, 'utf8');

function seal(payload: Payload, key: Buffer, keyId: string, subject?: string): Payload {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData(keyId, subject));
  const ciphertext = Buffer.concat([cipher.update(serialize(payload)), cipher.final()]);
  return {
    metadata: {
      encoding: utf8.encode(ENCRYPTED_ENCODING),
      [KEY_ID_METADATA]: utf8.encode(keyId),
      ...(subject === undefined ? {} : { [SUBJECT_METADATA]: utf8.encode(subject) }),
    },
    data: new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), ciphertext])),
  };
}

function open(payload: Payload, key: Buffer, keyId: string, subject?: string): Payload {
  const data = Buffer.from(payload.data ?? new Uint8Array());
  if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('truncated');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(associatedData(keyId, subject));
    decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(data.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]);
    return deserialize(plain);
  } catch {
    throw new PayloadDecryptionError('wrong key or tampered data');
  }
}

/**
 * The codec of this deployment: a person's payloads under their key (`subjects`, from the app
 * database, through the Store's temporalSubjectKeys), the rest under the master-derived Temporal key.
 */
export function createPayloadCodec(piiKey: Buffer, subjects?: SubjectKeys): EncryptionCodec {
  return new EncryptionCodec(
    new Map([[MASTER_KEY_ID, temporalPayloadKey(piiKey)]]),
    MASTER_KEY_ID,
    subjects,
  );
}

/** The data converter for every Client and Worker of the app (and for replaying its histories). */
export function createDataConverter(piiKey: Buffer, subjects?: SubjectKeys) {
  return { payloadCodecs: [createPayloadCodec(piiKey, subjects)] };
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
