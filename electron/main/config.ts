import { z } from 'zod';
import { DEMO_ENROLMENT_ORIGIN, DEMO_SERVER_URL } from '../../api/defaults.js';

/**
 * What an IT team sets for the app: where the verification API is and which
 * origin the renderer is served under (it must be one the server accepts).
 * Read from FIRSTKEY_* variables; managed (MDM/GPO) config can feed the same shape.
 */
export const AppConfig = z.object({
  serverUrl: z.url().default(DEMO_SERVER_URL),
  enrolmentOrigin: z
    .url()
    .refine((value) => new URL(value).protocol === 'https:', 'WebAuthn needs an https origin')
    .transform((value) => new URL(value).origin)
    .default(DEMO_ENROLMENT_ORIGIN),
  kiosk: z.boolean().default(false),
});
export type AppConfig = z.infer<typeof AppConfig>;

export function appConfigFromEnv(env: NodeJS.ProcessEnv): AppConfig {
  const parsed = AppConfig.safeParse({
    serverUrl: env.FIRSTKEY_SERVER_URL,
    enrolmentOrigin: env.FIRSTKEY_ENROLMENT_ORIGIN,
    kiosk: env.FIRSTKEY_KIOSK === '1',
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid app setting ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
