import { configFromEnv } from './config.js';
import { seedDemo } from './seed.js';
import { startServer } from './start.js';
import { startNotificationPump } from './notifications/sinks.js';
import { proofUrlNotice } from './http/public-url.js';

/** `npm run server` (add `-- --demo` for the demo seed). */
async function main(): Promise<void> {
  const config = configFromEnv(process.env);
  const server = await startServer(config, { logger: process.env.FIRSTKEY_LOG === '1' });
  console.log(`FirstKey verification server on ${server.url} (rpId ${config.rpId}, data in ${config.dataDir})`);
  console.log(proofUrlNotice(config, server.url));
  if (process.argv.includes('--demo')) {
    const demo = await seedDemo(server.services.accounts);
    console.log(`\nDemo enrolment code for Ada Lovelace (ada.new): ${demo.code}\nLink: ${demo.link}\nExpires: ${demo.expiresAt}\n`);
  }
  process.on('SIGHUP', () => {
    void server.policy.reload().then((error) => {
      console.log(error ? `Policy not reloaded, previous policy kept: ${error.message}` : 'Policy reloaded.');
    });
    void server.attestation.reload().then((error) => {
      console.log(error ? `Metadata BLOB not reloaded (${error.code}), previous kept: ${error.message}` : 'Metadata reloaded.');
    });
  });
  // Notifications (recoveries, replacements, added and removed factors) go to the console or FIRSTKEY_NOTIFICATION_FILE.
  const notifications = startNotificationPump(server.db, config);
  const stop = () =>
    void notifications
      .stop()
      .then(() => server.close())
      .then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
