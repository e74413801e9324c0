import { ipcMain, type WebContents } from 'electron';
import { IPC_CHANNELS, type IpcName } from '../../../api/ipc-channels.js';
import type { Dispatch } from './dispatcher.js';

/** Wires every contract channel to the dispatcher, for one window's web contents only. */
export function registerIpc(dispatch: Dispatch, contents: WebContents): void {
  for (const [name, channel] of Object.entries(IPC_CHANNELS) as [IpcName, string][]) {
    ipcMain.handle(channel, (event, payload: unknown) => {
      const frame = event.senderFrame;
      return dispatch({
        senderUrl: event.sender === contents && frame ? frame.url : '',
        isMainFrame: frame !== null && frame.parent === null,
        name,
        payload,
      });
    });
  }
}
