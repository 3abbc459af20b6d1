// Makes fengari's stack cheaper to move, for every Lua state in the process, once, when this module
// is first imported. fengari empties a stack slot with `delete L.stack[i]`, which V8 runs as a
// runtime call and which turns the stack into a holey array; a BullMQ job's scripts make tens of
// thousands of Lua calls, and the deletes on each call's return were an eighth of their time
// (bench/bullmq.ts, --cpu-prof). Here the two hot paths the VM reaches through ldo's exports
// (lvm.js calls `ldo.adjust_top` and `ldo.luaD_poscall`) store `undefined` instead: a read of
// the slot sees the same value, and the array keeps its length and its packed elements.
// Everything else is fengari's code as it is (ldo.js adjust_top, luaD_poscall, moveresults).

import ldo, { type LuaStack } from 'fengari/src/ldo.js';
import lobject from 'fengari/src/lobject.js';

const LUA_TNIL = 0;
const LUA_MULTRET = -1;
/** LUA_MASKRET | LUA_MASKLINE (lua.h): hooks that luaD_poscall calls, left to fengari's own. */
const RETURN_HOOKS = (1 << 1) | (1 << 2);

/** Empties the slots from `from` up to (not including) `to`, as `delete` did, inside the array. */
function clearSlots(L: LuaStack, from: number, to: number): void {
  const end = Math.min(to, L.stack.length);
  for (let i = from; i < end; i++) L.stack[i] = undefined;
}

function adjustTop(L: LuaStack, newtop: number): void {
  if (L.top < newtop) {
    while (L.top < newtop) L.stack[L.top++] = new lobject.TValue(LUA_TNIL, null);
  } else if (L.top > newtop) {
    clearSlots(L, newtop, L.top);
    L.top = newtop;
  }
}

/** ldo.js moveresults: the `nres` results at `firstResult` moved to `res`, `wanted` of them. */
function moveResults(L: LuaStack, firstResult: number, res: number, nres: number, wanted: number): boolean {
  if (wanted === LUA_MULTRET) {
    for (let i = 0; i < nres; i++) L.stack[res + i]!.setfrom(L.stack[firstResult + i]!);
    clearSlots(L, res + nres, L.top + 1);
    L.top = res + nres;
    return false;
  }
  if (wanted === 1) {
    if (nres === 0) L.stack[res]!.setnilvalue();
    else L.stack[res]!.setfrom(L.stack[firstResult]!);
  } else if (wanted !== 0) {
    let i = 0;
    for (; i < Math.min(wanted, nres); i++) L.stack[res + i]!.setfrom(L.stack[firstResult + i]!);
    for (; i < wanted; i++) {
      if (res + i >= L.top) L.stack[res + i] = new lobject.TValue(LUA_TNIL, null);
      else L.stack[res + i]!.setnilvalue();
    }
  }
  const newtop = res + wanted;
  clearSlots(L, newtop, L.top + 1);
  L.top = newtop;
  return true;
}

const fengariPoscall = ldo.luaD_poscall;

ldo.adjust_top = adjustTop;
ldo.luaD_poscall = (L, ci, firstResult, nres) => {
  if ((L.hookmask & RETURN_HOOKS) !== 0) return fengariPoscall(L, ci, firstResult, nres);
  const wanted = ci.nresults;
  const res = ci.funcOff;
  L.ci = ci.previous;
  L.ci.next = null;
  return moveResults(L, firstResult, res, nres, wanted);
};

/** Imported for its effect; the engines assert it ran. */
export const VM_STACK_PATCHED = true;
