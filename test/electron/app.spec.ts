import { _electron as electron, expect, test } from '@playwright/test';
import { electronBinary } from '../../scripts/electron-binary.js';
import { FirstKeyHarness } from '../e2e/harness.js';
import { keepRecoveryCodes } from '../e2e/journey.js';

test('the packaged-or-dev Electron app enrols a passkey end to end', async () => {
  const found = electronBinary();
  if ('missing' in found) {
    const reason = `Electron app test skipped: ${found.missing}. Run \`npx install-electron --no\` where Electron's downloads can be reached, then \`npm run build\`.`;
    console.log(reason);
    test.skip(true, reason); // no Electron binary on this machine (it cannot be downloaded here); runs wherever it was fetched
    return;
  }
  const fk = new FirstKeyHarness();
  await fk.start();
  try {
    const app = await electron.launch({
      executablePath: found.path,
      args: ['dist/electron/main/index.js'],
      env: { ...process.env, FIRSTKEY_SERVER_URL: fk.server.url, FIRSTKEY_ENROLMENT_ORIGIN: fk.origin },
    });
    const page = await app.firstWindow();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    await page.getByLabel('Enrolment code').fill(await fk.issueCode());
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: /^This is me:/ }).click();
    await keepRecoveryCodes(page);
    expect(await fk.credentials()).toHaveLength(1);
    await app.close();
  } finally {
    await fk.stop();
  }
});
