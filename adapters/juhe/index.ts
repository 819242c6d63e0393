/**
 * The `kaquan/adapters/juhe` entry point.
 *
 * @module kaquan/adapters/juhe
 */
export { createJuheAdapter, type JuheAdapter, type JuheAdapterOptions, juheSpec } from "./juhe-adapter.js";
export { defaultJuheErrorTable, JUHE_BASE_URL, juheCallbackStates, juheGameStates } from "./juhe-tables.js";
