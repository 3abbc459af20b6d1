// The undo list of a node's start: each start step that succeeded registers how to undo itself, so
// a step that fails undoes the ones before it in reverse order, and a stop undoes them all. A step
// whose resource takes ownership of earlier ones (the replica closes the transport and the
// storage) replaces their undos with its own, so nothing is closed twice or out of order.

import { assert } from '../../lib/assert.js';

/** Most undos a start registers (a handful of steps; the bound catches a loop registering forever). */
const undosMax = 32;

interface Undo {
  readonly name: string;
  readonly run: () => Promise<void> | void;
}

export class StartUndo {
  private readonly undos: Undo[] = [];
  private unwound = false;

  /** Registers the undo of a step that just succeeded. */
  add(name: string, run: () => Promise<void> | void): void {
    assert(!this.unwound, 'no step registers after the start was undone');
    assert(this.undos.length < undosMax, 'a start registers a bounded number of undos');
    assert(!this.undos.some((u) => u.name === name), 'each undo is registered once');
    this.undos.push({ name, run });
  }

  /** A step whose resource now owns (and closes) the resources of earlier steps: its undo replaces theirs. */
  takeOver(owned: readonly string[], name: string, run: () => Promise<void> | void): void {
    for (const ownedName of owned) {
      const at = this.undos.findIndex((u) => u.name === ownedName);
      assert(at >= 0, 'a step takes over only registered undos');
      this.undos.splice(at, 1);
    }
    this.add(name, run);
  }

  /** Runs every undo, last registered first, each once; the first error is thrown after all ran. */
  async unwind(): Promise<void> {
    if (this.unwound) return;
    this.unwound = true;
    let first: unknown = undefined;
    for (const undo of this.undos.splice(0).reverse()) {
      try {
        await undo.run();
      } catch (error) {
        first ??= error;
      }
    }
    if (first !== undefined) throw first;
  }

  /** Runs `step`; if it throws, undoes every earlier step and rethrows its error. */
  async step<T>(run: () => Promise<T> | T): Promise<T> {
    try {
      return await run();
    } catch (error) {
      await this.unwind().catch(() => undefined);
      throw error;
    }
  }
}
