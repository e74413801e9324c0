import { useEffect, useRef, type ReactNode } from 'react';

// The first screen after the window opens leaves focus where the page starts, so the first Tab
// reaches the language picker before the screen's content; the page load itself is announced.
let windowJustOpened = true;

/** Each later screen's title takes focus when the screen appears, so screen readers announce the new step. */
export function ScreenHeading({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (windowJustOpened) {
      windowJustOpened = false;
      return;
    }
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
