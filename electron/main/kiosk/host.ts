// The kiosk host: what an onboarding station adds to the app, as the
// enrolment controller sees it (ControllerOptions.kiosk). Plain Node: the
// Electron objects arrive through small ports from index.ts and window.ts.
import { OperatorPinError, type OperatorAccess, type PinVerdict } from './operator-pin.js';
import { printRecoveryCodes, type PrintDeps } from './print.js';
import { wipeRenderer, type WipeTarget } from './wipe.js';

export interface KioskHost {
  /** Prints the codes on the station's printer without a dialog (no "Save as PDF"); false when no printer took it. */
  printRecoveryCodes(codes: readonly string[]): Promise<{ printed: boolean }>;
  /** After the server session is ended (the controller does that first): clears the renderer partition's storage (session.clearData), then reloads the start screen. */
  wipe(): Promise<void>;
  operatorPin: {
    isSet(): Promise<boolean>;
    /**
     * Only when none is set yet or after verify() succeeded in this operator unlock; the controller asks for
     * more before a first PIN: a station code redeemed in this run (the host cannot know of registrations).
     */
    set(pin: string): Promise<void>;
    verify(pin: string): Promise<PinVerdict>;
  };
  /** Leaves kiosk mode (quits the app); only after operatorPin.verify succeeded. */
  exit(): void;
}

export interface KioskHostDeps {
  access: OperatorAccess;
  print: PrintDeps;
  renderer: WipeTarget;
  startUrl: string;
  /** Quits the app, letting the kiosk window close. */
  quit(): void;
}

export function createKioskHost(deps: KioskHostDeps): KioskHost {
  return {
    printRecoveryCodes: (codes) => printRecoveryCodes(codes, deps.print),
    async wipe() {
      // An operator who unlocked for the last person does not stay unlocked for the next.
      deps.access.relock();
      await wipeRenderer(deps.renderer, deps.startUrl);
    },
    operatorPin: deps.access.operatorPin,
    exit() {
      if (!deps.access.isUnlocked()) {
        throw new OperatorPinError('operator_required', 'only the operator, with the PIN, can leave kiosk mode');
      }
      deps.access.relock();
      deps.quit();
    },
  };
}
