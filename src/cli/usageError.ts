/** A user error (bad flag or value): the CLI prints its message and exits with code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
