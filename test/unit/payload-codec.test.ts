// The payload codec of SPEC §6: AES-256-GCM envelopes, tamper-evident; plaintext is refused.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createPayloadCodec,
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  KEY_ID_METADATA,
  MASTER_KEY_ID,
  payloadFromJson,
  payloadToJson,
  PayloadDecryptionError,
  SUBJECT_KEY_ID,
  temporalPayloadKey,
} from '../../temporal/payload-codec';

const piiKey = randomBytes(32);
const applicant = {
  name: '李文涛',
  idNumber: '11010519491231002X',
  phone: '13800138000',
  bankCardNumber: '6222020200112233445',
};
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString();

describe('the payload codec', () => {
  it('round-trips payloads, metadata included, and hides their content', async () => {
    const codec = createPayloadCodec(piiKey);
    const payloads = [
      defaultPayloadConverter.toPayload(applicant),
      defaultPayloadConverter.toPayload(null),
      defaultPayloadConverter.toPayload(new Uint8Array([1, 2, 3])),
    ];
    const encoded = await codec.encode(payloads);
    for (const p of encoded) {
      expect(text(p.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(p.metadata?.[KEY_ID_METADATA])).toBe(MASTER_KEY_ID);
      const raw = Buffer.from(p.data!).toString('latin1');
      for (const secret of Object.values(applicant)) expect(raw).not.toContain(secret);
    }
    const decoded = await codec.decode(encoded);
    expect(decoded).toEqual(payloads);
    expect(defaultPayloadConverter.fromPayload(decoded[0]!)).toEqual(applicant);
  });

  it('uses a fresh IV: the same payload encrypts differently each time', async () => {
    const codec = createPayloadCodec(piiKey);
    const p = defaultPayloadConverter.toPayload(applicant);
    const [a, b] = await codec.encode([p, p]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('refuses tampered data, a relabelled key id and a wrong key', async () => {
    const codec = createPayloadCodec(piiKey);
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(applicant)]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[flipped.length - 1]! ^= 1;
    await expect(codec.decode([{ ...sealed!, data: flipped }])).rejects.toThrow(
      PayloadDecryptionError,
    );
    const truncated = { ...sealed!, data: sealed!.data!.subarray(0, 10) };
    await expect(codec.decode([truncated])).rejects.toThrow(PayloadDecryptionError);

    const twoKeys = new EncryptionCodec(
      new Map([
        ['m1', temporalPayloadKey(piiKey)],
        ['m2', temporalPayloadKey(piiKey)],
      ]),
      'm1',
    );
    const relabelled: Payload = {
      ...sealed!,
      metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('m2') },
    };
    await expect(twoKeys.decode([relabelled])).rejects.toThrow(PayloadDecryptionError);
    const unknownKey: Payload = {
      ...sealed!,
      metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('x9') },
    };
    await expect(codec.decode([unknownKey])).rejects.toThrow(/unknown key id/);
    await expect(createPayloadCodec(randomBytes(32)).decode([sealed!])).rejects.toThrow(
      PayloadDecryptionError,
    );
  });

  it('refuses payloads that were never encrypted', async () => {
    const codec = createPayloadCodec(piiKey);
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(applicant)]);
    for (const plain of [
      defaultPayloadConverter.toPayload(applicant),
      defaultPayloadConverter.toPayload(null),
      { metadata: {}, data: undefined },
      {},
    ] as Payload[]) {
      await expect(codec.decode([plain])).rejects.toThrow(/not encrypted/);
      // Not even beside an encrypted one.
      await expect(codec.decode([sealed!, plain])).rejects.toThrow(PayloadDecryptionError);
    }
  });

  it('converts the codec server JSON form both ways', async () => {
    const codec = createPayloadCodec(piiKey);
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(applicant)]);
    const json = payloadToJson(sealed!);
    expect(Buffer.from(json.metadata!.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    const [back] = await codec.decode([payloadFromJson(json)]);
    expect(defaultPayloadConverter.fromPayload(back!)).toEqual(applicant);
  });

  it('takes subject keys answered asynchronously, as PostgreSQL answers them', async () => {
    const personKey = randomBytes(32);
    const asked: string[] = [];
    let erased = false;
    const codec = createPayloadCodec(piiKey, {
      keyFor: async (workflowId) => {
        asked.push(workflowId);
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (workflowId !== 'onboarding-1') return undefined;
        return erased ? null : personKey;
      },
    });
    const workflow = {
      type: 'workflow',
      namespace: 'default',
      workflowId: 'onboarding-1',
    } as const;
    const p = defaultPayloadConverter.toPayload(applicant);
    const encoded = await codec.encode([p, p, p], workflow);
    expect(encoded.map((e) => text(e.metadata?.[KEY_ID_METADATA]))).toEqual([
      SUBJECT_KEY_ID,
      SUBJECT_KEY_ID,
      SUBJECT_KEY_ID,
    ]);
    expect(await codec.decode(encoded)).toEqual([p, p, p]);
    expect(asked.length).toBeGreaterThan(0);
    erased = true;
    await expect(codec.decode(encoded)).rejects.toThrow(/erased/);
    await expect(codec.encode([p], workflow)).rejects.toThrow(/erased/);
  });

  it('derives the same key from the same PII key, and another from another', () => {
    expect(temporalPayloadKey(piiKey).equals(temporalPayloadKey(Buffer.from(piiKey)))).toBe(true);
    expect(temporalPayloadKey(piiKey).equals(temporalPayloadKey(randomBytes(32)))).toBe(false);
    expect(() => temporalPayloadKey(randomBytes(16))).toThrow();
  });
});
