import type { PersonView } from '../api/types';
import { authed, failureOf } from './authed';
import type { PeopleSlice, Slice } from './types';

export const createPeopleSlice: Slice<PeopleSlice> = (deps) => (set, get) => {
  const lookUp = async (username: string) => {
    set({ lookingUp: true, personFailure: null });
    try {
      const person = await authed<PersonView>(deps, get, set, `/v1/admin/people/${encodeURIComponent(username)}`);
      set({ person });
    } catch (error) {
      set({ person: null, personFailure: failureOf(error) });
    } finally {
      set({ lookingUp: false });
    }
  };
  const revoke = async (path: string, reason: string) => {
    set({ revokeFailure: null });
    try {
      await authed(deps, get, set, path, { body: { reason } });
      const person = get().person;
      if (person) await lookUp(person.username);
      return true;
    } catch (error) {
      set({ revokeFailure: failureOf(error) });
      return false;
    }
  };
  return {
    person: null,
    personFailure: null,
    lookingUp: false,
    revokeFailure: null,
    lookUp,
    revokeFactor: (id, reason) => revoke(`/v1/admin/factors/${encodeURIComponent(id)}/revoke`, reason),
    revokeDevice: (id, reason) => {
      const username = get().person?.username ?? '';
      return revoke(`/v1/admin/people/${encodeURIComponent(username)}/devices/${encodeURIComponent(id)}/revoke`, reason);
    },
  };
};
