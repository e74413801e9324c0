import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { compactVerify, decodeProtectedHeader, importX509 } from 'jose';
import { z } from 'zod';
import { chainToAnchor, describe, parseCertificates } from './chain.js';
import { CodedError } from '../../api/coded-error.js';

/**
 * Loads a FIDO Metadata Service BLOB (MDS3) from a file, offline, and turns it
 * into a catalogue the attestation trust check reads.
 *
 * Section numbers below refer to "FIDO Metadata Service", Proposed Standard,
 * 18 May 2021 (https://fidoalliance.org/specs/mds/fido-metadata-service-v3.0-ps-20210518.html),
 * and "FIDO Metadata Statement" v3.0 of the same date for the statement fields.
 */

export type MetadataErrorCode = 'unreadable' | 'bad_signature' | 'untrusted_chain' | 'expired' | 'malformed';

/** Why a BLOB was refused. Callers keep their previous catalogue (or none) on any of these. */
export class MetadataError extends CodedError<MetadataErrorCode> {}

/** §3.1.4 AuthenticatorStatus: the values a status report may carry (later revisions may add more). */
export type KnownAuthenticatorStatus =
  | 'NOT_FIDO_CERTIFIED'
  | 'FIDO_CERTIFIED'
  | 'USER_VERIFICATION_BYPASS'
  | 'ATTESTATION_KEY_COMPROMISE'
  | 'USER_KEY_REMOTE_COMPROMISE'
  | 'USER_KEY_PHYSICAL_COMPROMISE'
  | 'UPDATE_AVAILABLE'
  | 'REVOKED'
  | 'SELF_ASSERTION_SUBMITTED'
  | 'FIDO_CERTIFIED_L1'
  | 'FIDO_CERTIFIED_L1plus'
  | 'FIDO_CERTIFIED_L2'
  | 'FIDO_CERTIFIED_L2plus'
  | 'FIDO_CERTIFIED_L3'
  | 'FIDO_CERTIFIED_L3plus';

/**
 * §3.1.4: the statuses that say the authenticator (or its attestation key, or
 * the user keys it holds) can no longer be relied on. A relying party should
 * refuse new registrations from such a model.
 */
export const COMPROMISED_STATUSES: ReadonlySet<string> = new Set<KnownAuthenticatorStatus>([
  'USER_VERIFICATION_BYPASS',
  'ATTESTATION_KEY_COMPROMISE',
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
  'REVOKED',
]);

export function isCompromisedStatus(status: string): boolean {
  return COMPROMISED_STATUSES.has(status);
}

/** §3.1.3 StatusReport, the fields we read. */
export interface StatusReport {
  /** A KnownAuthenticatorStatus, or a value from a later revision of the spec. */
  status: string;
  /** 'YYYY-MM-DD', since when the status applies. */
  effectiveDate?: string;
}

export interface MetadataEntry {
  /** Lower-case, dashed. */
  aaguid: string;
  /** The metadata statement's description; null for an entry that carries status reports only. */
  name: string | null;
  /** A `data:image/png;base64,...` URL; anything else in the BLOB is dropped. */
  icon?: string;
  /** The statement's attestationRootCertificates: anchors for this model's attestation chains. */
  roots: X509Certificate[];
  /** The latest status report by effective date, or null when the entry has none. */
  status: StatusReport | null;
  /** Every status report of the entry, in the BLOB's order. */
  statusReports: StatusReport[];
  /** The statement's attachmentHint, as given; empty when it says nothing. */
  attachmentHints?: string[];
}

export interface MetadataCatalogue {
  /** §3.1.6 `no`: the BLOB's serial number; a newer BLOB has a greater one. */
  readonly no: number;
  /** §3.1.6 `nextUpdate` ('YYYY-MM-DD'): the BLOB must be replaced by then. */
  readonly nextUpdate: string;
  /** How many AAGUIDs the catalogue knows. */
  readonly size: number;
  lookup(aaguid: string): MetadataEntry | undefined;
  /** True when any status report of that AAGUID is in COMPROMISED_STATUSES. */
  isCompromised(aaguid: string): boolean;
  /** False once `now` is past `nextUpdate`: time to load a newer BLOB. */
  isCurrent(now: Date): boolean;
}

export interface MetadataBlobOptions {
  /** The FIDO root the BLOB must chain to (for the real service, GlobalSign Root CA - R3): PEM text, DER bytes or a parsed certificate. */
  root: string | Uint8Array | X509Certificate;
  now: Date;
}

// RFC 7518 §3.1 signature algorithms jose can verify with a key taken from an X.509 certificate.
const ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;

// §3.1.7: the BLOB is a JWS in compact serialization; x5c (RFC 7515 §4.1.6) holds standard-base64 DER, leaf first.
const Header = z.object({
  alg: z.enum(ALGORITHMS),
  typ: z.string().optional(),
  x5c: z.array(z.string().min(1)).min(1).optional(),
  x5u: z.string().optional(),
});

const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2030-01-31')
  .refine(
    (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    'not a calendar date',
  );

const Aaguid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/, 'an AAGUID')
  .transform(normaliseAaguid);

const Certificate = z.string().transform((b64, ctx) => {
  try {
    return new X509Certificate(Buffer.from(b64, 'base64'));
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a base64 DER X.509 certificate' });
    return z.NEVER;
  }
});

// §3.1.3 StatusReport: `status` is required; unknown statuses are kept, not refused.
const StatusReportSchema = z.object({
  status: z.string().min(1),
  effectiveDate: IsoDate.optional(),
});

// Metadata Statement §4 (Metadata Keys): only the members we use; the rest is ignored.
const MetadataStatementSchema = z.object({
  aaguid: Aaguid.optional(),
  description: z.string().min(1),
  icon: z.string().optional(),
  attestationRootCertificates: z.array(Certificate),
  /** How the model attaches (FIDO Registry §3.4: internal, external, wired, wireless, nfc, ...). */
  attachmentHint: z.array(z.string()).optional(),
});

// §3.1.1 Metadata BLOB Payload Entry: aaguid identifies FIDO2 authenticators; UAF (aaid) and
// U2F (attestationCertificateKeyIdentifiers) entries have none and are not indexed here.
const EntrySchema = z.object({
  aaguid: Aaguid.optional(),
  metadataStatement: MetadataStatementSchema.optional(),
  statusReports: z.array(StatusReportSchema),
});

// §3.1.6 Metadata BLOB Payload.
const PayloadSchema = z.object({
  legalHeader: z.string().optional(),
  no: z.number().int().nonnegative(),
  nextUpdate: IsoDate,
  entries: z.array(EntrySchema),
});

/** Hints that mean a key reached from outside the computer (FIDO Registry of Predefined Values §3.4). */
const ROAMING_HINTS = new Set(['external', 'wired', 'wireless', 'nfc', 'bluetooth', 'network']);

/** The model is built into the computer or phone: its metadata says internal and nothing roaming. */
export function isPlatformModel(entry: Pick<MetadataEntry, 'attachmentHints'> | undefined): boolean {
  const hints = entry?.attachmentHints ?? [];
  return hints.includes('internal') && !hints.some((h) => ROAMING_HINTS.has(h));
}

export function normaliseAaguid(aaguid: string): string {
  const hex = aaguid.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return aaguid.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** 'YYYY-MM-DD' of `now` in UTC. */
function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/**
 * §3.1.6: nextUpdate is the date by which the next BLOB will be published. The
 * BLOB stays usable through that day (UTC) and is stale from the day after.
 */
function pastNextUpdate(nextUpdate: string, now: Date): boolean {
  return utcDay(now) > nextUpdate;
}

function latest(reports: readonly StatusReport[]): StatusReport | null {
  let best: StatusReport | null = null;
  for (const r of reports) {
    // Later in the array wins a tie, and undated reports count as oldest.
    if (!best || (r.effectiveDate ?? '') >= (best.effectiveDate ?? '')) best = r;
  }
  return best;
}

function safeIcon(icon: string | undefined): string | undefined {
  // Metadata Statement §4 `icon`: a data: URL holding a PNG. Anything else (a remote URL) is not passed on.
  return icon && /^data:image\/png;base64,[A-Za-z0-9+/=\s]+$/.test(icon) ? icon : undefined;
}

function parseRoot(root: MetadataBlobOptions['root']): X509Certificate {
  if (root instanceof X509Certificate) return root;
  try {
    return new X509Certificate(typeof root === 'string' ? root : Buffer.from(root));
  } catch (error) {
    throw new MetadataError('unreadable', 'the configured FIDO root certificate is not a PEM or DER X.509 certificate', { cause: error });
  }
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(payload)'}: ${i.message}`)
    .join('; ');
}

function buildCatalogue(payload: z.infer<typeof PayloadSchema>): MetadataCatalogue {
  const byAaguid = new Map<string, MetadataEntry>();
  for (const entry of payload.entries) {
    const aaguid = entry.aaguid ?? entry.metadataStatement?.aaguid;
    if (!aaguid) continue;
    const reports: StatusReport[] = entry.statusReports.map((r) =>
      r.effectiveDate ? { status: r.status, effectiveDate: r.effectiveDate } : { status: r.status },
    );
    const seen = byAaguid.get(aaguid);
    if (seen) {
      // Two entries for one AAGUID should not happen; if it does, keep every anchor and every
      // status report so that a compromise reported in either is not lost.
      seen.roots.push(...(entry.metadataStatement?.attestationRootCertificates ?? []));
      seen.statusReports.push(...reports);
      seen.status = latest(seen.statusReports);
      seen.name ??= entry.metadataStatement?.description ?? null;
      seen.attachmentHints = [...(seen.attachmentHints ?? []), ...(entry.metadataStatement?.attachmentHint ?? [])];
      continue;
    }
    const icon = safeIcon(entry.metadataStatement?.icon);
    byAaguid.set(aaguid, {
      aaguid,
      name: entry.metadataStatement?.description ?? null,
      ...(icon ? { icon } : {}),
      roots: [...(entry.metadataStatement?.attestationRootCertificates ?? [])],
      status: latest(reports),
      statusReports: reports,
      attachmentHints: [...(entry.metadataStatement?.attachmentHint ?? [])],
    });
  }
  const { no, nextUpdate } = payload;
  return {
    no,
    nextUpdate,
    size: byAaguid.size,
    lookup: (aaguid) => byAaguid.get(normaliseAaguid(aaguid)),
    // §3.1.4: a model with any compromise report is treated as compromised, even when a later
    // report (UPDATE_AVAILABLE, a new certification) follows: authenticators already in the field
    // keep the flaw and their firmware version is not visible in a registration.
    isCompromised: (aaguid) => byAaguid.get(normaliseAaguid(aaguid))?.statusReports.some((r) => isCompromisedStatus(r.status)) ?? false,
    isCurrent: (now) => !pastNextUpdate(nextUpdate, now),
  };
}

/**
 * Verifies a BLOB given as its JWS text and returns its catalogue, or throws a
 * MetadataError. Nothing from the payload is read before its signature and
 * certificate chain have been checked.
 */
export async function parseMetadataBlob(jws: string, options: MetadataBlobOptions): Promise<MetadataCatalogue> {
  const root = parseRoot(options.root);
  const text = jws.trim();
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text)) {
    throw new MetadataError('unreadable', 'the metadata BLOB is not a JWS in compact serialization');
  }

  let header: z.infer<typeof Header>;
  try {
    const parsed = Header.safeParse(decodeProtectedHeader(text));
    if (!parsed.success)
      throw new MetadataError('malformed', `the metadata BLOB's JWS header is not usable: ${formatIssues(parsed.error)}`);
    header = parsed.data;
  } catch (error) {
    if (error instanceof MetadataError) throw error;
    throw new MetadataError('unreadable', "the metadata BLOB's JWS header cannot be decoded", { cause: error });
  }

  // §3.2 (processing rules): the signing chain comes from x5u when present, else from x5c;
  // with neither, the BLOB is taken to be signed by the trust anchor itself. x5u would need
  // a download, so a BLOB that only names its chain by URL cannot be checked offline.
  let chain: X509Certificate[];
  if (header.x5c) {
    try {
      chain = parseCertificates(header.x5c.map((b64) => Buffer.from(b64, 'base64')));
    } catch (error) {
      throw new MetadataError('malformed', "the metadata BLOB's x5c header holds something that is not an X.509 certificate", {
        cause: error,
      });
    }
  } else if (header.x5u) {
    throw new MetadataError(
      'untrusted_chain',
      'the metadata BLOB names its signing chain only by URL (x5u), which cannot be fetched offline',
    );
  } else {
    chain = [root];
  }

  // §3.2: verify the chain up to the FIDO root; ignore the BLOB if it does not verify.
  const checked = chainToAnchor(chain, [root], options.now);
  if (!checked.ok) {
    throw new MetadataError(
      'untrusted_chain',
      `the metadata BLOB's signing chain does not lead to the configured FIDO root: ${checked.problem}`,
    );
  }
  const leaf = chain[0];
  if (!leaf) throw new MetadataError('untrusted_chain', 'the metadata BLOB has no signing certificate');

  // §3.2: verify the BLOB's signature with the leaf of that chain.
  let payloadBytes: Uint8Array;
  try {
    const key = await importX509(leaf.toString(), header.alg);
    const verified = await compactVerify(text, key, { algorithms: [header.alg] });
    payloadBytes = verified.payload;
  } catch (error) {
    throw new MetadataError('bad_signature', `the metadata BLOB's signature does not verify with ${describe(leaf)} (${header.alg})`, {
      cause: error,
    });
  }

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes));
  } catch (error) {
    throw new MetadataError('malformed', "the metadata BLOB's payload is not JSON", { cause: error });
  }
  const payload = PayloadSchema.safeParse(json);
  if (!payload.success)
    throw new MetadataError('malformed', `the metadata BLOB's payload is not an MDS3 payload: ${formatIssues(payload.error)}`);

  // §3.1.6 nextUpdate / §3.2: a BLOB past its next-update date is stale and must not be used.
  if (pastNextUpdate(payload.data.nextUpdate, options.now)) {
    throw new MetadataError('expired', `the metadata BLOB was due to be replaced on ${payload.data.nextUpdate}`);
  }

  return buildCatalogue(payload.data);
}

/** Reads a BLOB file (as downloaded from the metadata service, no network here) and verifies it. */
export async function loadMetadataBlob(path: string, options: MetadataBlobOptions): Promise<MetadataCatalogue> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new MetadataError('unreadable', `the metadata BLOB file ${path} cannot be read`, { cause: error });
  }
  return parseMetadataBlob(text, options);
}
