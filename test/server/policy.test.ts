import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { UserRow } from '../../server/db/schema.js';
import { DEFAULT_POLICY } from '../../server/policy/default-policy.js';
import { factorRequirements, judgeRegistration, requirementsOf, tierFor, ZERO_AAGUID } from '../../server/policy/evaluate.js';
import { PolicyError, PolicyStore, readPolicyFile } from '../../server/policy/store.js';

const dirs: string[] = [];
function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'firstkey-policy-'));
  dirs.push(dir);
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, text);
  return path;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function user(overrides: Partial<UserRow>): UserRow {
  return {
    id: 'u',
    username: 'u',
    display_name: 'U',
    email: null,
    role: 'engineer',
    account_kind: 'human',
    employment_type: 'employee',
    created_at: '',
    ...overrides,
  };
}

const trusted = { trusted: true, compromised: false, authenticatorName: 'Key' };
const untrusted = { trusted: false, compromised: false, authenticatorName: null };

describe('the policy file', () => {
  it('the shipped example is valid and equals the built-in default apart from its AAGUID allowlist and admin session length', async () => {
    const example = await readPolicyFile('server/policy/example-policy.yaml');
    expect(Object.keys(example.tiers)).toEqual(Object.keys(DEFAULT_POLICY.tiers));
    expect(example.rules).toEqual(DEFAULT_POLICY.rules);
    expect(example.tiers.privileged?.aaguids).toEqual({
      allow: ['ee882879-721c-4913-9775-3dfcce97072a', '2fc0579f-8113-47ea-b116-bb5a8db9202a'],
    });
  });

  it.each([
    ['version: 2\ntiers: {}\nrules: [{tier: a}]', 'version'],
    ['version: 1\ntiers: {a: {factors: [password]}}\nrules: [{tier: a}]', 'tiers.a.factors.0'],
    ['version: 1\ntiers: {a: {factors: [passkey]}}\nrules: [{tier: b}]', 'rules.0.tier'],
    [
      'version: 1\ntiers: {a: {factors: [passkey], attestation: none, requireTrustedAttestation: true}}\nrules: [{tier: a}]',
      'tiers.a.requireTrustedAttestation',
    ],
    ['version: 1\ntiers: {a: {factors: [passkey], aaguids: {allow: [NOT-AN-AAGUID]}}}\nrules: [{tier: a}]', 'tiers.a.aaguids'],
    ['version: 1\ntiers: {a: {factors: [passkey]}}\nrules: [{match: {role: [x]}, tier: a}]', 'rules.0'],
    ['version: 1\ntiers: {a: {factors: [passkey], colour: blue}}\nrules: [{tier: a}]', 'tiers.a'],
  ])('a bad file is refused with the field named (%#)', async (text, field) => {
    const error = await readPolicyFile(file(text)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).field.startsWith(field)).toBe(true);
    expect((error as PolicyError).message).toContain(field);
  });

  it('a file that is not YAML, or missing, is refused with a plain reason', async () => {
    await expect(readPolicyFile(file('version: [1'))).rejects.toThrow(/not valid YAML or JSON/);
    await expect(readPolicyFile('/nonexistent/policy.yaml')).rejects.toThrow(/cannot read the file \(ENOENT\)/);
  });

  it('a reload with a broken file keeps the policy in force and reports why', async () => {
    const path = file('version: 1\ntiers: {only: {factors: [security-key]}}\nrules: [{tier: only}]');
    const store = await PolicyStore.open(path);
    writeFileSync(path, 'version: 1\ntiers: {only: {factors: []}}\nrules: [{tier: only}]');
    const error = await store.reload();
    expect(error?.field).toBe('tiers.only.factors');
    expect(store.policy.tiers.only?.factors).toEqual(['security-key']);

    writeFileSync(path, 'version: 1\ntiers: {only: {factors: [passkey]}}\nrules: [{tier: only}]');
    expect(await store.reload()).toBeNull();
    expect(store.policy.tiers.only?.factors).toEqual(['passkey']);
  });
});

describe('tiers and verdicts of the built-in policy', () => {
  it('maps people by role and employment type, first rule first', () => {
    expect(tierFor(DEFAULT_POLICY, user({ role: 'admin', employment_type: 'contractor' })).name).toBe('privileged');
    expect(tierFor(DEFAULT_POLICY, user({ employment_type: 'contractor' })).name).toBe('contractor');
    expect(tierFor(DEFAULT_POLICY, user({})).name).toBe('standard');
  });

  it('refuses service accounts whatever the rules say', () => {
    expect(() => tierFor(DEFAULT_POLICY, user({ account_kind: 'service', role: 'admin' }))).toThrow(/workload identity/);
  });

  it('asks a privileged security key for direct attestation and user verification', () => {
    const privileged = DEFAULT_POLICY.tiers.privileged!;
    expect(factorRequirements(privileged, 'security-key')).toEqual({
      attachment: 'cross-platform',
      residentKey: 'discouraged',
      userVerification: 'required',
      attestation: 'direct',
    });
    expect(requirementsOf(privileged)).toEqual(['security_key_only', 'user_verification', 'trusted_authenticator']);
    expect(factorRequirements(DEFAULT_POLICY.tiers.standard!, 'passkey').userVerification).toBe('required');
  });

  it('an all-zero AAGUID never passes an allowlist, and a listed one does', () => {
    const tier = { ...DEFAULT_POLICY.tiers.privileged!, aaguids: { allow: ['2fc0579f-8113-47ea-b116-bb5a8db9202a'] } };
    expect(judgeRegistration(tier, { aaguid: ZERO_AAGUID, backupEligible: false }, trusted)).toBe('aaguid_not_allowed');
    expect(judgeRegistration(tier, { aaguid: '2FC0579F-8113-47EA-B116-BB5A8DB9202A', backupEligible: false }, trusted)).toBeNull();
  });

  it('refuses untrusted attestation, synced passkeys, denied and compromised authenticators where policy says so', () => {
    const { privileged, contractor, standard } = DEFAULT_POLICY.tiers;
    const aaguid = 'ee882879-721c-4913-9775-3dfcce97072a';
    expect(judgeRegistration(privileged!, { aaguid, backupEligible: false }, untrusted)).toBe('attestation_untrusted');
    expect(judgeRegistration(contractor!, { aaguid, backupEligible: true }, untrusted)).toBe('synced_passkey');
    expect(judgeRegistration(standard!, { aaguid, backupEligible: true }, untrusted)).toBeNull();
    expect(judgeRegistration({ ...standard!, aaguids: { deny: [aaguid] } }, { aaguid, backupEligible: false }, untrusted)).toBe(
      'aaguid_denied',
    );
    expect(judgeRegistration(standard!, { aaguid, backupEligible: false }, { ...trusted, compromised: true })).toBe(
      'authenticator_compromised',
    );
  });
});
