export * from './admin.js';
export * from './enrolment.js';
export * from './errors.js';
export * from './recovery.js';
export * from './security.js';
export * from './webauthn.js';
