/**
 * The demo deployment's enrolment origin. The app serves its renderer under it and
 * the server accepts WebAuthn ceremonies from it; a real deployment sets both to
 * its own domain (DESIGN.md, "WebAuthn inside Electron: the origin").
 */
export const DEMO_ENROLMENT_ORIGIN = 'https://enrol.firstkey.test';
export const DEMO_RP_ID = 'enrol.firstkey.test';
/** The help-desk console's origin in the demo: a subdomain of the RP ID, so keys enrolled in the app work there. */
export const DEMO_CONSOLE_ORIGIN = 'https://console.enrol.firstkey.test';
export const DEMO_SERVER_URL = 'http://127.0.0.1:8787';
