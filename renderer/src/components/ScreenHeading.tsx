import { useEffect, useRef, type ReactNode } from 'react';

// Until the person has done something in this window, a screen that appears (the first one, or one
// a check at start leads to, such as a lost device key) leaves focus at the page start, so the first
// Tab reaches the language picker before the screen's content; the page load itself is announced.
let personActed = false;
for (const kind of ['keydown', 'pointerdown'] as const) {
  window.addEventListener(
    kind,
    () => {
      personActed = true;
    },
    { capture: true, once: true },
  );
}

/** Each screen the person's own action leads to: its title takes focus, so screen readers announce the new step. */
export function ScreenHeading({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (personActed) ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
