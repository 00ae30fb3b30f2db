import { AUDIT_PLACEHOLDER } from '../pipeline/window-store.js';

/** A Lua string literal for any text: every byte outside printable ASCII, quote and backslash as `\ddd`. */
function luaStringLiteral(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  let out = '"';
  for (const byte of bytes) {
    const printable = byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c;
    out += printable ? String.fromCharCode(byte) : `\\${byte.toString().padStart(3, '0')}`;
  }
  return `${out}"`;
}

/**
 * Lua that fills AUDIT_PLACEHOLDER values and XADDs events to `<P>:audit` (field `event`), so an audit
 * entry exists exactly when the decision it records was committed (docs/audit.md#shipping). Replacement is plain
 * (string.find with `plain`), so no byte of a template or a value is read as a Lua pattern.
 */
export const AUDIT_LUA = `
local PLACEHOLDER_RR = ${luaStringLiteral(AUDIT_PLACEHOLDER.rrName)}
local PLACEHOLDER_RRREF = ${luaStringLiteral(AUDIT_PLACEHOLDER.rrRef)}
local PLACEHOLDER_COUNT = ${luaStringLiteral(AUDIT_PLACEHOLDER.count)}

local function json_string(value)
  local escaped = string.gsub(value, '[%c"\\\\]', function(c) return string.format('\\\\u%04x', string.byte(c)) end)
  return '"' .. escaped .. '"'
end

local function replace_plain(text, needle, value)
  local parts, from = {}, 1
  while true do
    local i, j = string.find(text, needle, from, true)
    if not i then break end
    parts[#parts + 1] = string.sub(text, from, i - 1)
    parts[#parts + 1] = value
    from = j + 1
  end
  parts[#parts + 1] = string.sub(text, from)
  return table.concat(parts)
end

local function append_audit(audit_key, template, rr, namespace, count)
  local event = replace_plain(template, PLACEHOLDER_RRREF, json_string(namespace .. '/' .. rr))
  event = replace_plain(event, PLACEHOLDER_RR, json_string(rr))
  event = replace_plain(event, PLACEHOLDER_COUNT, string.format('%d', count))
  redis.call('XADD', audit_key, '*', 'event', event)
end

local function append_audit_all(audit_key, templates_json, rr, namespace, count)
  for _, template in ipairs(cjson.decode(templates_json)) do
    append_audit(audit_key, template, rr, namespace, count)
  end
end
`;
