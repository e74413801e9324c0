/**
 * The slice of `electron` the sandboxed preload uses, and all the preload's compiler sees.
 *
 * electron/preload/tsconfig.json maps `electron` here because Electron's own typings carry
 * `/// <reference types="node" />`: with them, `import 'node:fs'` would type-check in a preload
 * that has no Node at run time. test/main/preload-sandbox-types.test.ts checks that Electron's
 * real API still fits these declarations.
 */
export declare const contextBridge: {
  exposeInMainWorld(apiKey: string, api: unknown): void;
};

export declare const ipcRenderer: {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
};
