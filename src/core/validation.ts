import type { z } from "zod";
import { ValidationError, type ValidationIssue } from "./errors.js";

/**
 * Parses `value` with `schema`, turning zod's issues into a {@link ValidationError} that names
 * every field and what to do about it. The offending values themselves are never echoed: they
 * may be secrets (an account password, a key).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      message = `unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(", ")}: remove them or check the spelling`;
    } else if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) {
      message = `${path || what} is required`;
    }
    return { path, message };
  });
  const summary = issues
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
    .join("; ");
  return throwValidation(`Invalid ${what}: ${summary}`, issues);
}

function throwValidation(message: string, issues: ValidationIssue[]): never {
  throw new ValidationError(message, issues);
}
