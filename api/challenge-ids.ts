// Names of the SMS-challenge workflows and of devices: keyed digests (HMAC-SHA256 under their own
// subkey of PII_KEY), so that neither Temporal's workflow ids nor the database hold a phone
// number or an app's device id (SPEC §6), and equal digests reveal nothing across purposes.
import { createHmac } from 'node:crypto';
import { deriveKey } from '../crypto/pii';

function digest(piiKey: Buffer, purpose: string, ...parts: string[]): string {
  return createHmac('sha256', deriveKey(piiKey, `blind-index:${purpose}`))
    .update(JSON.stringify(parts), 'utf8')
    .digest('hex');
}

/** One password reset per phone at a time. */
export function passwordResetWorkflowId(piiKey: Buffer, phone: string): string {
  return `password-reset-${digest(piiKey, 'password-reset', phone.trim())}`;
}

/** One device check per phone and device at a time ('' for a sign-in that named no device). */
export function deviceCheckWorkflowId(piiKey: Buffer, phone: string, deviceId?: string): string {
  return `device-check-${digest(piiKey, 'device-check', phone.trim(), deviceId ?? '')}`;
}

/** How a device is remembered (known_devices.device_index). */
export function deviceIndexOf(piiKey: Buffer, deviceId: string): string {
  return digest(piiKey, 'device', deviceId);
}
