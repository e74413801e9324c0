import { app, type Session } from 'electron';

/**
 * The one permission the page gets: writing (never reading) the clipboard, so a
 * person can copy their recovery codes. WebAuthn needs none of Chromium's prompts.
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/**
 * Locks a session and every web contents to the enrolment origin: no navigation
 * away, no new windows, no webviews, every other permission denied.
 */
export function lockDownSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    callback(ALLOWED_PERMISSIONS.has(permission));
  });
  session.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.has(permission));
  session.setDevicePermissionHandler(() => false);
}

export function lockDownWebContents(origin: string): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (new URL(url).origin !== origin) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (new URL(url).origin !== origin) event.preventDefault();
    });
    contents.on('will-frame-navigate', (event) => {
      if (new URL(event.url).origin !== origin) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => {
      event.preventDefault();
    });
    // No new windows, and no opening of URLs a page picks: the app has no external links.
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}
