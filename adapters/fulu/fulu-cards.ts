/**
 * Fulu card codes (卡密) are AES-256-ECB with PKCS#7 padding, the key being the app secret's
 * UTF-8 bytes (32 ASCII characters), the ciphertext base64 (vendor-protocols.md §1.8). The same
 * secret also salts the signatures, so it must never be logged.
 */
import { aesDecryptBase64, aesEncryptBase64 } from "../../src/runtime/aes.js";

function keyOf(appSecret: string): Uint8Array {
  return Buffer.from(appSecret, "utf8");
}

/** Decrypts one card field; surrounding whitespace is trimmed as the vendor's PHP sample does. */
export function decryptFuluCardField(ciphertext: string, appSecret: string): string {
  return aesDecryptBase64(ciphertext, { mode: "ecb", key: keyOf(appSecret) }).trim();
}

/** Encrypts a card field the way Fulu does (for the simulator and tests). */
export function encryptFuluCardField(plaintext: string, appSecret: string): string {
  return aesEncryptBase64(plaintext, { mode: "ecb", key: keyOf(appSecret) });
}
