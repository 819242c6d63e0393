/**
 * What a built entry point pulls in: the files reached through its relative imports (tsup's
 * shared chunks), and — through their source maps — the source files their code came from.
 * That tells whether an adapter's entry carries another adapter's code.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";

/** Relative specifiers of static imports, re-exports, `require` calls and dynamic imports. */
const relativeSpecifier = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g;

/** The entry and every file reachable from it through relative imports (absolute paths). */
export function reachableFiles(entry: string): string[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    const code = readFileSync(file, "utf8");
    for (const match of code.matchAll(relativeSpecifier)) {
      const target = resolve(dirname(file), match[1]!);
      if (!seen.has(target) && existsSync(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return [...seen];
}

/** The source files (relative to `root`) that the source maps of `files` name. */
export function originalSources(files: readonly string[], root: string): string[] {
  const sources = new Set<string>();
  for (const file of files) {
    const map = `${file}.map`;
    if (!existsSync(map)) continue;
    const parsed = JSON.parse(readFileSync(map, "utf8")) as { sources?: string[] };
    for (const source of parsed.sources ?? []) sources.add(relative(root, resolve(dirname(map), source)));
  }
  return [...sources].sort();
}

/** The adapter folders (`adapters/<name>/…`) among `sources`. */
export function adaptersIn(sources: readonly string[]): string[] {
  const names = new Set<string>();
  for (const source of sources) {
    const match = /^adapters\/([^/]+)\//.exec(source);
    if (match) names.add(match[1]!);
  }
  return [...names].sort();
}
