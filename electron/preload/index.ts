import { contextBridge, ipcRenderer } from 'electron';
import type { FirstKeyBridge } from '../../api/ipc.js';
import { IPC_CHANNELS } from '../../api/ipc-channels.js';

// One named function per contract call; ipcRenderer itself never reaches the page.
const bridge = Object.fromEntries(
  Object.entries(IPC_CHANNELS).map(([name, channel]) => [name, (request?: unknown) => ipcRenderer.invoke(channel, request)]),
) as FirstKeyBridge;

contextBridge.exposeInMainWorld('firstkey', bridge);
