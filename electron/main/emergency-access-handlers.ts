import type { EmergencyGrantView } from '../../api/operations/emergency-access.js';
import type { IpcRequest, IpcResults } from '../../api/ipc.js';
import { ApiClientError, type ApiClient } from './api-client.js';

/** The window's calls for acting for a service account (api/operations/emergency-access.ts), from My security. */
export const EMERGENCY_CALLS = ['myEmergencyAccess', 'requestEmergencyAccess', 'activateEmergencyAccess', 'endEmergencyAccess'] as const;
type EmergencyCall = (typeof EMERGENCY_CALLS)[number];

export type EmergencyHandlers = { [N in EmergencyCall]: (request: IpcRequest<N>) => Promise<IpcResults[N]> };

/** What the handlers borrow from the controller that composes them: its client and the session this window holds. */
export interface EmergencyHost {
  readonly api: ApiClient;
  /** A call with the session this window holds (the owner's manage session, opened with their own key). */
  readonly withSession: <T>(call: (token: string) => Promise<T>) => Promise<T>;
}

/**
 * The owner's side of emergency access. Every call goes out with the manage session's DPoP-bound token,
 * which stays here; the page sees grants and, once, the access token it collected. A page may name only
 * grants this session was shown (listed or just requested): the server scopes each grant to its owner
 * anyway, and this keeps a page from probing ids or references it was never given.
 */
export function emergencyAccessHandlers(host: () => EmergencyHost): EmergencyHandlers {
  /** The grants shown in the session that showed them; another session starts with none. */
  let shown: { token: string; ids: Set<string> } | null = null;

  const remember = (token: string, grants: readonly EmergencyGrantView[]): void => {
    if (shown?.token !== token) shown = { token, ids: new Set() };
    for (const grant of grants) shown.ids.add(grant.id);
  };

  /** A call about one grant: only one this session was shown, with that session's token. */
  const onShown = <T>(id: string, call: (token: string) => Promise<T>): Promise<T> => {
    const { withSession } = host();
    return withSession((token) => {
      if (shown?.token !== token || !shown.ids.has(id)) {
        throw new ApiClientError('not_found', 'no such grant among those My security showed');
      }
      return call(token);
    });
  };

  return {
    myEmergencyAccess: async () => {
      const { api, withSession } = host();
      return withSession(async (token) => {
        const mine = await api.call('myEmergencyAccess', { token });
        remember(token, mine.grants);
        return mine;
      });
    },
    requestEmergencyAccess: async (body) => {
      const { api, withSession } = host();
      return withSession(async (token) => {
        const grant = await api.call('requestEmergencyAccess', { token, body });
        remember(token, [grant]);
        return grant;
      });
    },
    activateEmergencyAccess: async ({ id }) =>
      onShown(id, (token) => host().api.call('activateEmergencyAccess', { token, params: { id } })),
    endEmergencyAccess: async ({ id }) => onShown(id, (token) => host().api.call('endMyEmergencyAccess', { token, params: { id } })),
  };
}
