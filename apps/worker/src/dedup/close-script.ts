import { defineLuaScript } from '@gateway/contracts';
import { CLOSE_WINDOW_LUA } from './close-window-lua.js';
import { WINDOW_LUA } from './window-lua.js';

/**
 * Closing a window (docs/fingerprints-and-windows.md#closing-windows): any worker's informer may call it for any
 * update, any number of times; it acts only while `win:<fp>` still points at that RR, so a late or repeated event never
 * closes a newer window.
 *
 * KEYS: win:<fp>, win:index, dedup:dirty
 * ARGV: prefix, fp, rrName, '1' to keep a final write, nowMs
 * Returns 1 when it closed the window, else 0.
 */
export const CLOSE_SCRIPT = defineLuaScript(`${WINDOW_LUA}${CLOSE_WINDOW_LUA}
local win_key, index_key, dirty_key = KEYS[1], KEYS[2], KEYS[3]
local prefix, fp, rr, final_write, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == '1', tonumber(ARGV[5])

local w = read_window(win_key)
if not w or w.rr ~= rr then return 0 end
close_window(prefix, fp, win_key, index_key, dirty_key, w, final_write, now)
return 1
`);
