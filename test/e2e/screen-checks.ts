// Checks run inside the page on whatever screen is showing. Each function is
// handed to page.evaluate as it stands, so it uses nothing from outside itself.

/**
 * Text that does not fit: an element whose content is wider than its box (spilling out,
 * or clipped where overflow is hidden), taller than a box that hides the rest, or anything
 * reaching past the window's edges. Returns one line per element, naming it.
 */
export function findOverflow(): string[] {
  const name = (el: Element): string => {
    const id = el.id ? `#${el.id}` : '';
    const classes = [...el.classList].map((c) => `.${c}`).join('');
    const text = el.textContent.replace(/\s+/g, ' ').trim().slice(0, 60);
    return `<${el.tagName.toLowerCase()}${id}${classes}> "${text}"`;
  };
  const hidden = (el: Element): boolean => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    // The visually-hidden pattern (1 px, clipped) is meant for screen readers, not a layout to fit.
    return style.display === 'none' || style.visibility === 'hidden' || box.width <= 1 || box.height <= 1;
  };
  const found: string[] = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width) {
    found.push(`the page scrolls sideways: ${document.documentElement.scrollWidth}px wide in a ${width}px window`);
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (hidden(el) || el.closest('[aria-hidden="true"]')) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (box.right > width + 0.5 || box.left < -0.5) {
      found.push(`${name(el)} reaches past the window (${Math.round(box.left)}..${Math.round(box.right)} of ${width}px)`);
      continue;
    }
    if (el.clientWidth === 0) continue;
    // A select's own list and a checkbox's box are drawn by the browser, not laid out by us.
    if (el instanceof HTMLSelectElement || (el instanceof HTMLInputElement && ['checkbox', 'radio'].includes(el.type))) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      const how = style.overflowX === 'visible' ? 'spills out of' : 'is cut off by';
      found.push(`${name(el)} ${how} its box (${el.scrollWidth}px of content in ${el.clientWidth}px)`);
      continue;
    }
    if (style.overflowY !== 'visible' && el.scrollHeight > el.clientHeight + 1 && style.overflowY !== 'auto') {
      found.push(`${name(el)} is cut off at the bottom (${el.scrollHeight}px of content in ${el.clientHeight}px)`);
    }
  }
  return found;
}

/**
 * Form controls and radio cards whose border is below 3:1 against what surrounds them
 * (WCAG 1.4.11; axe does not measure it). Disabled controls are exempt, as WCAG says.
 * Returns one line per control, with the ratio found.
 */
export function weakBoundaries(): string[] {
  type Rgba = [number, number, number, number];
  const parse = (css: string): Rgba | null => {
    const m = /rgba?\(([\d.]+),?\s*([\d.]+),?\s*([\d.]+)(?:\s*[,/]\s*([\d.]+))?\)/.exec(css);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : null;
  };
  const over = (top: Rgba, below: Rgba): Rgba => {
    const a = top[3];
    return [top[0] * a + below[0] * (1 - a), top[1] * a + below[1] * (1 - a), top[2] * a + below[2] * (1 - a), 1];
  };
  /** What shows behind an element: its ancestors' backgrounds, blended from the page down. */
  const behind = (el: Element | null): Rgba => {
    const layers: Rgba[] = [];
    for (let node = el; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour[3] > 0) layers.push(colour);
      if (colour && colour[3] === 1) break;
    }
    return layers.reverse().reduce<Rgba>((below, top) => over(top, below), [255, 255, 255, 1]);
  };
  const luminance = ([r, g, b]: Rgba) => {
    const lin = (c: number) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const ratio = (a: Rgba, b: Rgba) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  };
  const found: string[] = [];
  const controls = document.querySelectorAll(
    'input:not([type="checkbox"]):not([type="radio"]):not([type="hidden"]), select, textarea, .choice',
  );
  for (const el of controls) {
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    if ((el as HTMLInputElement).disabled || el.classList.contains('choice-disabled')) continue;
    const style = getComputedStyle(el);
    const background = behind(el.parentElement);
    const sides = (['Top', 'Right', 'Bottom', 'Left'] as const).filter(
      (side) =>
        style.getPropertyValue(`border-${side.toLowerCase()}-style`) !== 'none' &&
        parseFloat(style.getPropertyValue(`border-${side.toLowerCase()}-width`)) > 0,
    );
    const label = `<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${[...el.classList].map((c) => `.${c}`).join('')}> "${el.textContent.replace(/\s+/g, ' ').trim().slice(0, 40)}"`;
    if (sides.length === 0) {
      found.push(`${label} has no border to show where it is`);
      continue;
    }
    const worst = Math.min(
      ...sides.map((side) => {
        const colour = parse(style.getPropertyValue(`border-${side.toLowerCase()}-color`)) ?? [0, 0, 0, 1];
        return ratio(over(colour, background), background);
      }),
    );
    if (worst < 3) found.push(`${label} border ${worst.toFixed(2)}:1 against its background (needs 3:1)`);
  }
  return found;
}
