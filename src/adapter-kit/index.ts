/**
 * `kaquan/adapter-kit`: connect a supplier platform by describing its protocol —
 * `defineSignedFormAdapter` for MD5-signed form platforms.
 *
 * @module kaquan/adapter-kit
 */
export * from "./signed-form-adapter.js";
export * from "./signed-form-spec.js";
