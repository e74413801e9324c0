import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_POLICY } from './default-policy.js';
import { PolicyFile } from './schema.js';

/** A policy file that cannot be used, with the field at fault named. */
export class PolicyError extends Error {
  override name = 'PolicyError';
  constructor(
    readonly path: string,
    readonly field: string,
    message: string,
  ) {
    super(`${path}: ${field ? `${field}: ` : ''}${message}`);
  }
}

/** Reads and validates a policy file (YAML, or JSON, which is YAML too). */
export async function readPolicyFile(path: string): Promise<PolicyFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PolicyError(path, '', `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new PolicyError(path, '', `not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = PolicyFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PolicyError(path, issue?.path.join('.') ?? '', issue?.message ?? 'invalid');
  }
  return parsed.data;
}

/**
 * The policy in force. A reload that fails keeps the previous policy: a typo in
 * the file must never leave the server without one, or with half of one.
 */
export class PolicyStore {
  private current: PolicyFile;

  private constructor(
    private readonly path: string | null,
    initial: PolicyFile,
  ) {
    this.current = initial;
  }

  /** Without a path the built-in default applies; with one, a bad file stops the start. */
  static async open(path: string | undefined): Promise<PolicyStore> {
    return new PolicyStore(path ?? null, path ? await readPolicyFile(path) : DEFAULT_POLICY);
  }

  static fixed(policy: PolicyFile): PolicyStore {
    return new PolicyStore(null, PolicyFile.parse(policy));
  }

  get policy(): PolicyFile {
    return this.current;
  }

  /** Re-reads the file. Returns the error (and keeps the old policy) if the new one is unusable. */
  async reload(): Promise<PolicyError | null> {
    if (!this.path) return null;
    try {
      this.current = await readPolicyFile(this.path);
      return null;
    } catch (error) {
      if (error instanceof PolicyError) return error;
      throw error;
    }
  }
}
