export * from "./signed-form-adapter.js";
export * from "./signed-form-spec.js";
