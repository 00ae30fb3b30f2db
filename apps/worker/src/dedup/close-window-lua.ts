/**
 * Lua closing a window (docs/fingerprints-and-windows.md), shared by `close` and by admission step 3. Needs WINDOW_LUA.
 *
 * A final write is only kept when the RR is behind (`count > flushed`). The window is renamed to
 * `closed:<fp>:<seq>` and keeps its flush member `<fp>:<seq>`: a member already scheduled (or leased by
 * a flusher in flight) keeps its time, so closing never brings a write forward.
 */
export const CLOSE_WINDOW_LUA = `
local function close_window(prefix, fp, win_key, index_key, dirty_key, w, final_write, now)
  local member = flush_member(fp, w.seq)
  if final_write and w.count > w.flushed then
    redis.call('RENAME', win_key, prefix .. ':closed:' .. member)
    redis.call('ZADD', dirty_key, 'NX', earliest_write_at(w, now), member)
  else
    redis.call('DEL', win_key)
    redis.call('ZREM', dirty_key, member)
  end
  redis.call('SREM', index_key, fp)
end
`;
