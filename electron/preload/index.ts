import { contextBridge, ipcRenderer } from 'electron';
import { IPC_CHANNELS } from '../../api/ipc-channels.js';

// One named function per contract call; ipcRenderer itself never reaches the page.
// The preload knows channel names only: the call shapes (api/ipc.ts, FirstKeyBridge) are
// checked where they matter, by main's dispatcher, and typed where they are used, in the renderer.
const bridge = Object.fromEntries(
  Object.entries(IPC_CHANNELS).map(([name, channel]) => [
    name,
    (request?: unknown): Promise<unknown> => ipcRenderer.invoke(channel, request),
  ]),
);

contextBridge.exposeInMainWorld('firstkey', bridge);
