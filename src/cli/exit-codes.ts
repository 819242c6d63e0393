/**
 * The exit codes of the `kaquan` command. Scripts and CI jobs branch on them, so they are part of
 * the command's contract (docs/cli.md lists them).
 */

/** Everything ran and nothing needs attention. */
export const EXIT_OK = 0;
/** The command could not do its work: a supplier unreachable, credentials refused, an unexpected error. */
export const EXIT_FAILURE = 1;
/** The command line, a configuration file or an input file is wrong; the message says what to fix. */
export const EXIT_USAGE = 2;
/**
 * The command ran and found something to look at: `reconcile` found differences, `verify-callback`
 * found a callback that does not verify, `probe` saw a check fail or a test order not succeed.
 */
export const EXIT_FINDINGS = 3;
