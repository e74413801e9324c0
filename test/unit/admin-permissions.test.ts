import { describe, expect, it } from 'vitest';
import { httpOperations, type OperationSpec } from '../../api/http.js';

/** Without a permission an admin operation is open to every signed-in operator, an auditor included. */
describe('admin operations', () => {
  const admin = Object.entries(httpOperations as Record<string, OperationSpec>).filter(([, op]) => op.auth === 'admin');

  it('each names the permission it needs, except the console session asking about itself', () => {
    expect(admin.length).toBeGreaterThan(20);
    const open = admin.filter(([, op]) => !op.permission).map(([name]) => name);
    expect(open.sort()).toEqual(['consoleMe', 'consoleSignOut']);
  });

  it('only admin operations name one', () => {
    const misplaced = Object.entries(httpOperations as Record<string, OperationSpec>).filter(
      ([, op]) => op.auth !== 'admin' && op.permission,
    );
    expect(misplaced).toEqual([]);
  });
});
