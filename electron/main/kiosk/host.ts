/**
 * What a kiosk station's window can do beyond the server: given to the controller by the
 * composition root when managed configuration turns kiosk mode on.
 * (Placeholder written by K3 with the interface the lead fixed; K2 owns this file.)
 */
export interface KioskHost {
  /** Prints the codes on the station's printer without a dialog (no "Save as PDF"); false when no printer took it. */
  printRecoveryCodes(codes: readonly string[]): Promise<{ printed: boolean }>;
  /** After the server session is ended (the controller does that first): clears the renderer partition's storage (session.clearData), then reloads the start screen. */
  wipe(): Promise<void>;
  operatorPin: {
    isSet(): Promise<boolean>;
    /** Only when none is set yet (first run) or after verify() succeeded in this operator unlock. */
    set(pin: string): Promise<void>;
    verify(pin: string): Promise<{ ok: true } | { ok: false; attemptsLeft: number; lockedUntil: string | null }>;
  };
  /** Leaves kiosk mode (quits the app); only after operatorPin.verify succeeded. */
  exit(): void;
}
