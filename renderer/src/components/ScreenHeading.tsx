import { useEffect, useRef, type ReactNode } from 'react';

/** Each screen's title takes focus when the screen appears, so screen readers announce the new step. */
export function ScreenHeading({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
