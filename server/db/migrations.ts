import type { MigrationProvider } from 'kysely';
import type { DatabaseKind } from './handle.js';
import { auditProofMigrations } from './migrations/0016-audit-proof.js';
import { breakGlassMigrations } from './migrations/0020-break-glass.js';
import { emergencyAccessMigrations } from './migrations/0021-emergency-access.js';
import { frictionMigrations } from './migrations/0017-friction.js';
import { initialMigrations } from './migrations/0001-initial.js';
import { instanceAndKioskMigrations } from './migrations/0005-instances-and-kiosk.js';
import { moverMigrations } from './migrations/0018-movers.js';
import { operatorMigrations } from './migrations/0014-operators.js';
import { postureMigrations } from './migrations/0019-posture.js';
import { provisioningMigrations } from './migrations/0015-provisioning.js';
import { recoveryMigrations } from './migrations/0004-recovery.js';
import { referenceAndApprovalMigrations } from './migrations/0012-references-and-approvals.js';

/**
 * Forward-only, versioned migrations, one module per release under migrations/. Never edit a
 * released one: add the next. Names sort in the order they run; the same schema on both
 * databases (migrations/column-types.ts).
 */
export function migrationProvider(kind: DatabaseKind): MigrationProvider {
  const migrations = {
    ...initialMigrations(kind),
    ...recoveryMigrations(kind),
    ...instanceAndKioskMigrations(kind),
    ...referenceAndApprovalMigrations(kind),
    ...operatorMigrations(kind),
    ...provisioningMigrations(kind),
    ...auditProofMigrations(kind),
    ...frictionMigrations(kind),
    ...postureMigrations(kind),
    ...moverMigrations(kind),
    ...breakGlassMigrations(kind),
    ...emergencyAccessMigrations(kind),
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}
