/**
 * The base of every error that carries a machine-readable code: the code is a string-literal
 * union of the subclass, the original failure stays reachable as `cause`, and the name is the
 * subclass's own (for logs). Codes, never messages, decide what callers do.
 */
export class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
