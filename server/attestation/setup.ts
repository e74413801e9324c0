import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Clock } from '../clock.js';
import type { ServerConfig } from '../config.js';
import type { AttestationJudge } from '../policy/evaluate.js';
import { loadMetadataBlob, MetadataError, type MetadataCatalogue } from './mds-blob.js';
import { createAttestationJudge } from './trust.js';

export interface AttestationTrust {
  judge: AttestationJudge;
  /** Re-reads the BLOB; on any failure the catalogue in force stays and the error is returned. */
  reload(): Promise<MetadataError | null>;
  /** Null when no BLOB is configured or the one in force is current; otherwise why it is not. */
  staleness(): string | null;
}

/**
 * The operator's attestation trust: the MDS3 BLOB they dropped in (verified to
 * its root at start: a bad BLOB stops the server) and any extra anchors.
 */
export async function loadAttestationTrust(config: ServerConfig, clock: Clock): Promise<AttestationTrust> {
  const anchors = await Promise.all(config.attestationAnchorFiles.map(async (f) => new X509Certificate(await readFile(f))));
  const root = config.mdsRootFile ? new X509Certificate(await readFile(config.mdsRootFile)) : null;
  const load = async () => (config.mdsBlobFile && root ? loadMetadataBlob(config.mdsBlobFile, { root, now: clock.now() }) : null);
  let catalogue: MetadataCatalogue | null = await load();
  const judge = createAttestationJudge({
    // A BLOB past its nextUpdate is no longer vouched for: judge as if there were none.
    catalogue: () => (catalogue?.isCurrent(clock.now()) ? catalogue : null),
    extraAnchors: anchors,
    clock,
  });
  return {
    judge,
    staleness() {
      if (!config.mdsBlobFile) return null;
      if (!catalogue) return 'no metadata BLOB is loaded';
      return catalogue.isCurrent(clock.now()) ? null : 'the metadata BLOB is past its nextUpdate: download a new one and reload (SIGHUP)';
    },
    async reload() {
      try {
        catalogue = await load();
        return null;
      } catch (error) {
        if (error instanceof MetadataError) return error;
        throw error;
      }
    },
  };
}
