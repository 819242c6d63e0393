/**
 * AES helpers for card codes (卡密), which suppliers return encrypted with a key derived from the
 * merchant's secret.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";

export type AesMode = "ecb" | "cbc";

export interface AesOptions {
  mode: AesMode;
  /** Raw key bytes: 16, 24 or 32 bytes select AES-128, -192 or -256. */
  key: Uint8Array;
  /** Required for CBC: 16 bytes. */
  iv?: Uint8Array;
}

function cipherName(options: AesOptions): string {
  const bits = options.key.length * 8;
  if (bits !== 128 && bits !== 192 && bits !== 256) {
    throw new RangeError(`AES key must be 16, 24 or 32 bytes, got ${options.key.length}`);
  }
  if (options.mode === "cbc" && options.iv?.length !== 16) throw new RangeError("AES-CBC needs a 16-byte IV");
  return `aes-${bits}-${options.mode}`;
}

/** Decrypts base64 ciphertext with PKCS#7 padding to a UTF-8 string. Throws on a bad key or padding. */
export function aesDecryptBase64(ciphertext: string, options: AesOptions): string {
  const decipher = createDecipheriv(
    cipherName(options),
    options.key,
    options.mode === "ecb" ? null : options.iv!,
  );
  const plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64")), decipher.final()]);
  return plain.toString("utf8");
}

/** Encrypts a UTF-8 string with PKCS#7 padding to base64 (used by the simulators and tests). */
export function aesEncryptBase64(plaintext: string, options: AesOptions): string {
  const cipher = createCipheriv(
    cipherName(options),
    options.key,
    options.mode === "ecb" ? null : options.iv!,
  );
  return Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]).toString("base64");
}
