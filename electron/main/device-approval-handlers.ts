import type { CreateSessionResponse, DeviceSignals, SessionView } from '../../api/enrolment.js';
import type { IpcRequest, IpcResults } from '../../api/ipc.js';
import { ApiClientError, type ApiClient } from './api-client.js';

/** The window's calls for device-to-device approval (api/device-approval.ts). */
export const APPROVAL_CALLS = [
  'fileApprovalRequest',
  'approvalRequestStatus',
  'collectApproval',
  'findApprovalRequest',
  'decideApprovalRequest',
] as const;
type ApprovalCall = (typeof APPROVAL_CALLS)[number];

export type ApprovalHandlers = { [N in ApprovalCall]: (request: IpcRequest<N>) => Promise<IpcResults[N]> };

/** What the handlers borrow from the controller that composes them: its client, its device, its session. */
export interface ApprovalHost {
  readonly api: ApiClient;
  readonly device: DeviceSignals;
  /** A call with the session this window holds (the old computer's manage session). */
  readonly withSession: <T>(call: (token: string) => Promise<T>) => Promise<T>;
  /** Ends any session the window holds, opens the new one and keeps its token in main. */
  readonly openSession: (open: () => Promise<CreateSessionResponse>) => Promise<SessionView>;
}

/**
 * Both sides of an approval, one window each. The new computer's request id and the old computer's
 * found request id stay here, never in the page: the page shows a code and a computer's name and
 * says yes or no, and cannot point either call at another request.
 */
export function deviceApprovalHandlers(host: () => ApprovalHost): ApprovalHandlers {
  /** The request this computer filed (the new computer). */
  let filedId: string | null = null;
  /** The request the person found by its code in this window's manage session (the old computer). */
  let foundId: string | null = null;

  const requireFiled = (): string => {
    if (!filedId) throw new ApiClientError('no_session', 'this computer has not asked to be approved');
    return filedId;
  };

  return {
    fileApprovalRequest: async ({ username }) => {
      const { api, device } = host();
      const filed = await api.call('fileDeviceApproval', { body: { username, device } });
      filedId = filed.id;
      return filed;
    },
    approvalRequestStatus: async () => (filedId ? host().api.call('deviceApprovalStatus', { params: { id: filedId } }) : null),
    collectApproval: async () => {
      const id = requireFiled();
      const { api, device, openSession } = host();
      const session = await openSession(() => api.call('collectDeviceApproval', { params: { id }, body: { device } }));
      filedId = null;
      return session;
    },
    findApprovalRequest: async ({ code }) => {
      const { api, withSession } = host();
      foundId = null;
      const candidate = await withSession((token) => api.call('findDeviceApproval', { token, body: { code } }));
      foundId = candidate.id;
      return candidate;
    },
    decideApprovalRequest: async ({ decision }) => {
      const id = foundId;
      if (!id) throw new ApiClientError('not_found', 'type the code the new computer shows first');
      const { api, withSession } = host();
      foundId = null;
      return withSession((token) => api.call('decideDeviceApproval', { token, params: { id }, body: { decision } }));
    },
  };
}
