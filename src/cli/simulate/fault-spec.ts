/**
 * `kaquan simulate --faults`: scripted faults for the simulator's `injectFault`, written either as
 * a list — `reset-after-commit:3,http-500:2` (kind, then how many requests it hits) — or as a JSON
 * file holding an array of fault objects with every parameter the simulator takes
 * (`[{ "kind": "delay", "delayMs": 5000, "method": "fulu.order.card.add" }]`).
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ValidationError } from "../../core/index.js";
import type { SimulatorFault } from "../supplier-registry.js";

/**
 * Names people use for the simulators' fault kinds. "Reset" is what a merchant sees in logs
 * (`ECONNRESET`): the simulator's `commit-then-drop` resets the connection after committing.
 */
export const FAULT_ALIASES: Readonly<Record<string, string>> = {
  "reset-after-commit": "commit-then-drop",
  "reset-before-commit": "drop-before-commit",
  "gateway-502": "html-gateway",
};

function canonicalKind(kind: string, known: readonly string[]): string {
  const resolved = FAULT_ALIASES[kind] ?? kind;
  if (!known.includes(resolved)) {
    throw new ValidationError(
      `unknown fault "${kind.slice(0, 40)}": use one of ${known.join(", ")} (or ${Object.keys(FAULT_ALIASES).join(", ")})`,
      [{ path: "faults", message: "name a fault kind the simulator knows" }],
    );
  }
  return resolved;
}

function times(text: string, kind: string): number {
  if (text === "*" || text === "always") return Number.POSITIVE_INFINITY;
  if (!/^[1-9]\d{0,5}$/.test(text)) {
    throw new ValidationError(
      `fault "${kind}": "${text.slice(0, 20)}" is not a count (a whole number ≥ 1, or * for always)`,
      [{ path: "faults", message: "write kind:count, e.g. http-500:2" }],
    );
  }
  return Number(text);
}

/** Parses `kind[:count],kind[:count],…`. A missing count means once. */
export function parseFaultList(spec: string, known: readonly string[]): SimulatorFault[] {
  return spec
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const [kind = "", count, ...rest] = part.split(":");
      if (rest.length > 0) {
        throw new ValidationError(`fault "${part.slice(0, 40)}" has more than one ":"`, [
          { path: "faults", message: "write kind:count, e.g. http-500:2" },
        ]);
      }
      return { kind: canonicalKind(kind, known), times: count === undefined ? 1 : times(count, kind) };
    });
}

/** Parses a JSON array of fault objects; `times` may be a count or `"always"`. */
export function parseFaultFile(text: string, label: string, known: readonly string[]): SimulatorFault[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError(`${label} is not valid JSON`, [
      { path: "faults", message: "write a JSON array of faults" },
    ]);
  }
  if (!Array.isArray(parsed)) {
    throw new ValidationError(`${label} must hold a JSON array of faults`, [
      { path: "faults", message: 'e.g. [{ "kind": "http-500", "times": 2 }]' },
    ]);
  }
  return parsed.map((item, index) => {
    if (typeof item !== "object" || item === null || typeof (item as { kind?: unknown }).kind !== "string") {
      throw new ValidationError(`${label}, fault ${index + 1}: an object with a "kind" is expected`, [
        { path: `faults.${index}`, message: "give each fault a kind" },
      ]);
    }
    const fault = item as Record<string, unknown> & { kind: string };
    const count = fault.times;
    return {
      ...fault,
      kind: canonicalKind(fault.kind, known),
      ...(count === undefined
        ? {}
        : { times: typeof count === "number" ? count : times(String(count), fault.kind) }),
    };
  });
}

/** Reads `--faults`: a `.json` file (relative to `cwd`) or a list. */
export async function readFaults(
  spec: string,
  cwd: string,
  known: readonly string[],
): Promise<SimulatorFault[]> {
  if (!spec.trim().toLowerCase().endsWith(".json")) return parseFaultList(spec, known);
  const path = resolve(cwd, spec);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new ValidationError(`cannot read the faults file ${path}`, [
      { path: "faults", message: "check the path" },
    ]);
  }
  return parseFaultFile(text, path, known);
}
