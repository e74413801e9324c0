import { spawn } from 'node:child_process';
import { configFromEnv } from '../server/config.js';
import { seedDemo } from '../server/seed.js';
import { startServer } from '../server/start.js';
import { electronBinary } from './electron-binary.js';
import { startNotificationPump } from '../server/notifications/sinks.js';

/**
 * `npm start`: the reference server with the demo seed, then the desktop app
 * pointed at it. Without an Electron binary the server keeps running so the
 * API (and `npm run admin`) can still be used.
 */
const config = configFromEnv(process.env);
const server = await startServer(config);
const demo = await seedDemo(server.services.accounts);
console.log(`FirstKey verification server: ${server.url} (data in ${config.dataDir})`);
console.log(`\n  Demo enrolment code for Ada Lovelace (ada.new): ${demo.code}\n  Link: ${demo.link}\n  Expires: ${demo.expiresAt}\n`);

// Notifications (recoveries, replacements, added and removed factors) go to the console or FIRSTKEY_NOTIFICATION_FILE.
const notifications = startNotificationPump(server.db, config);
const stop = () =>
  void notifications
    .stop()
    .then(() => server.close())
    .then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const found = electronBinary();
if ('missing' in found) {
  console.log(
    `The desktop app cannot start here: ${found.missing}.\n` +
      "To get it, run `npx install-electron --no` on a machine that can reach Electron's downloads, then `npm start` again.\n" +
      'The server keeps running; press Ctrl+C to stop it.',
  );
} else {
  const app = spawn(found.path, ['dist/electron/main/index.js', demo.link], {
    stdio: 'inherit',
    env: { ...process.env, FIRSTKEY_SERVER_URL: server.url },
  });
  app.on('exit', (code) => {
    console.log(`FirstKey app exited (${code ?? 0}); stopping the server.`);
    stop();
  });
}
