// A budget of log lines for events a stranger can cause at will (refused TLS handshakes on the
// client and the peer ports): at most `linesPerWindowMax` lines a window, the rest counted and told
// with the next line let through, so a flood cannot fill the disk yet an operator still learns how
// many there were. Time is passed in (nowMs), as everywhere in lib/.

import { assert } from './assert.js';

export class LogBudget {
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private linesInWindow = 0;
  /** Lines refused since the last one let through. */
  private suppressed = 0;

  constructor(
    private readonly linesPerWindowMax: number,
    private readonly windowMs: number,
    private readonly nowMs: () => number,
  ) {
    assert(Number.isInteger(linesPerWindowMax) && linesPerWindowMax > 0, 'a log budget lets some lines through');
    assert(windowMs > 0, 'a log budget window has a length');
  }

  /**
   * Asks to write one line now: null when the window's lines are spent (the line is counted as
   * suppressed), else how many lines were suppressed since the last one written (usually 0).
   */
  admit(): number | null {
    const now = this.nowMs();
    if (now - this.windowStartMs >= this.windowMs) {
      this.windowStartMs = now;
      this.linesInWindow = 0;
    }
    if (this.linesInWindow >= this.linesPerWindowMax) {
      this.suppressed++;
      return null;
    }
    this.linesInWindow++;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return suppressed;
  }
}

/** The budget both TLS listeners use: ten lines each ten seconds, about 60 KB an hour under a flood. */
export function refusalLogBudget(nowMs: () => number): LogBudget {
  return new LogBudget(10, 10_000, nowMs);
}
