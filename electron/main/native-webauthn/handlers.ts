import type { FactorKind } from '../../../api/enrolment.js';
import type { ComputerCapabilities } from '../../../api/native-key.js';
import type { IpcErrorCode, IpcRequest, IpcResults } from '../../../api/ipc.js';
import type { CreationOptionsJSON, RequestOptionsJSON } from '../../../api/webauthn.js';
import { ApiClientError, type ApiClient } from '../api-client.js';
import type { NativeCeremonies } from './ceremony.js';
import { NativeCeremonyError } from './ceremony-outcome.js';
import { chooseCeremonyPath } from './path.js';

/** The window's calls for FirstKey's own security-key ceremony (api/native-key.ts). */
export const NATIVE_KEY_CALLS = [
  'computerCapabilities',
  'ceremonyPath',
  'nativeRegister',
  'nativeAuthenticate',
  'nativeKeyStatus',
  'nativeKeySubmitPin',
  'nativeKeySetPin',
  'nativeKeyCancel',
] as const;
type NativeKeyCall = (typeof NATIVE_KEY_CALLS)[number];

export type NativeKeyHandlers = { [N in NativeKeyCall]: (request: IpcRequest<N>) => Promise<IpcResults[N]> };

/** What the composition root knows about this computer (index.ts; the e2e harness gives a software bus). */
export interface NativeKeySupport {
  platform: NodeJS.Platform;
  capabilities: ComputerCapabilities;
  /** null: the HID binding could not load, so every security key goes through the OS. */
  ceremonies: NativeCeremonies | null;
}

/** What the handlers borrow from the controller that composes them. */
export interface NativeKeyHost {
  readonly support: NativeKeySupport | undefined;
  readonly api: ApiClient;
  readonly withSession: <T>(call: (token: string) => Promise<T>) => Promise<T>;
  /** The options the window's last registrationOptions call returned, taken once: their challenge serves one ceremony. */
  readonly takeRegistration: (peek: boolean) => { factor: FactorKind; options: CreationOptionsJSON } | null;
  /** The assertion options last handed to the page (signing in with a key, an operator's key), taken once likewise. */
  readonly takeAssertion: (peek: boolean) => RequestOptionsJSON | null;
}

/**
 * An assertion goes the native way only when none of the credentials asked for could be a passkey
 * on this computer (transports internal or hybrid, or none named): those are the OS's.
 */
function assertionFactor(options: RequestOptionsJSON): 'passkey' | 'security-key' {
  const allowed = options.allowCredentials ?? [];
  const securityKeysOnly =
    allowed.length > 0 &&
    allowed.every(({ transports }) => transports !== undefined && !transports.some((t) => t === 'internal' || t === 'hybrid'));
  return securityKeysOnly ? 'security-key' : 'passkey';
}

function refused(error: unknown): never {
  if (error instanceof NativeCeremonyError) {
    const { outcome } = error;
    throw new ApiClientError((outcome.startsWith('key_') ? outcome : `key_${outcome}`) as IpcErrorCode, error.message);
  }
  throw error;
}

/**
 * The native path from the page's side: the page learns the path, starts the ceremony and follows
 * its states; the options and the session token stay in main, and the PIN goes from here to the key.
 */
export function nativeKeyHandlers(host: () => NativeKeyHost): NativeKeyHandlers {
  const ceremoniesOf = (): NativeCeremonies | null => host().support?.ceremonies ?? null;
  const requireCeremonies = (): NativeCeremonies => {
    const ceremonies = ceremoniesOf();
    if (!ceremonies) throw new ApiClientError('key_not_supported', 'this computer cannot reach security keys directly');
    return ceremonies;
  };
  return {
    computerCapabilities: () => Promise.resolve(host().support?.capabilities ?? null),
    ceremonyPath: ({ ceremony }) => {
      const { support, takeRegistration, takeAssertion } = host();
      if (!support?.ceremonies) return Promise.resolve('os');
      const platform = support.platform;
      if (ceremony === 'authentication') {
        const options = takeAssertion(true);
        if (!options) return Promise.resolve('os');
        return Promise.resolve(
          chooseCeremonyPath({ platform, factor: assertionFactor(options), userVerification: options.userVerification }),
        );
      }
      const held = takeRegistration(true);
      if (!held) return Promise.resolve('os');
      const { factor, options } = held;
      const userVerification = options.authenticatorSelection?.userVerification;
      const path = chooseCeremonyPath({ platform, factor, userVerification });
      if (path === 'native' || factor !== 'security-key') return Promise.resolve(path);
      // Not required, but a key with a PIN asks for it anyway: where it is already plugged in, ask it.
      return support.ceremonies
        .connectedKeyHasPin()
        .then((keyHasPin) => chooseCeremonyPath({ platform, factor, userVerification, ...(keyHasPin === undefined ? {} : { keyHasPin }) }));
    },
    nativeAuthenticate: async () => {
      const native = requireCeremonies();
      const options = host().takeAssertion(false);
      if (!options) throw new ApiClientError('challenge_missing', 'ask for authentication options first');
      return native.authenticate(options).catch(refused);
    },
    nativeRegister: async ({ factor, name }) => {
      const native = requireCeremonies();
      const { api, withSession, takeRegistration } = host();
      const held = takeRegistration(false);
      if (held?.factor !== factor) throw new ApiClientError('challenge_missing', 'ask for registration options first');
      const response = await native.register(held.options).catch(refused);
      const body = { factor, response, ...(name === undefined ? {} : { name }) };
      return native.verified(async () => (await withSession((token) => api.call('verifyRegistration', { token, body }))).credential);
    },
    nativeKeyStatus: ({ after }) => ceremoniesOf()?.status(after) ?? Promise.resolve({ seq: 0, state: 'idle' as const }),
    nativeKeySubmitPin: ({ pin }) => {
      try {
        requireCeremonies().submitPin(pin);
      } catch (error) {
        refused(error);
      }
      return Promise.resolve(null);
    },
    nativeKeySetPin: ({ pin }) => {
      try {
        requireCeremonies().setPin(pin);
      } catch (error) {
        refused(error);
      }
      return Promise.resolve(null);
    },
    nativeKeyCancel: () => {
      ceremoniesOf()?.cancel();
      return Promise.resolve(null);
    },
  };
}
