import { z } from 'zod';
import { DURATION_RULE, formatDurationMs, parseDurationMs } from './duration.js';
import { knownKeysMessage } from './known-keys.js';
import type { RuleParams } from './rule-params.js';

interface IssueSink {
  value: unknown;
  issues: z.core.$ZodRawIssue[];
}

export interface RejectOptions {
  /** Relative to the schema the check is attached to. */
  path?: (string | number)[];
  /** The value to print when it is not the raw input at the path (a default, a derived list). */
  value?: unknown;
}

/** Adds a problem with its own rule and suggestion; `continue` lets sibling checks report too (all problems at once). */
export function reject(ctx: IssueSink, rule: string, suggestion: string, options: RejectOptions = {}): void {
  const params: RuleParams = { rule, suggestion };
  if ('value' in options) {
    params.value = options.value;
    params.hasValue = true;
  }
  ctx.issues.push({
    code: 'custom',
    message: rule,
    input: ctx.value,
    path: options.path ?? [],
    params,
    continue: true,
  });
}

/** An object that rejects unknown keys and remembers its known ones for "did you mean" suggestions. */
export function section<S extends z.core.$ZodLooseShape>(shape: S) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? knownKeysMessage(known) : undefined),
  });
}

function rangeSuggestion(value: number, min: number, max: number, render: (n: number) => string): string {
  if (value < min) return `use at least ${render(min)}`;
  if (value > max) return `use at most ${render(max)}`;
  return `use a whole number, e.g. ${render(Math.round(value))}`;
}

export function integerBetween(min: number, max: number, render: (n: number) => string = String) {
  return z.number().check((ctx) => {
    if (!Number.isInteger(ctx.value) || ctx.value < min || ctx.value > max) {
      reject(
        ctx,
        `must be an integer between ${render(min)} and ${render(max)}`,
        rangeSuggestion(ctx.value, min, max, render),
      );
    }
  });
}

export function numberBetween(min: number, max: number) {
  return z.number().check((ctx) => {
    if (!Number.isFinite(ctx.value) || ctx.value < min || ctx.value > max) {
      reject(
        ctx,
        `must be a number between ${min} and ${max}`,
        ctx.value < min ? `use at least ${min}` : `use at most ${max}`,
      );
    }
  });
}

const UNITS_BYTES = [
  ['GiB', 1024 ** 3],
  ['MiB', 1024 ** 2],
  ['KiB', 1024],
] as const;

function formatBytes(bytes: number): string {
  for (const [unit, size] of UNITS_BYTES) if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  return `${bytes} bytes`;
}

/** Sizes are plain byte counts; the rule text shows binary units so the limits are recognisable. */
export function bytesBetween(min: number, max: number) {
  return integerBetween(min, max, (n) => (n === min || n === max ? `${n} (${formatBytes(n)})` : String(n)));
}

/** Accepts integer milliseconds or `^[0-9]+(ms|s|m|h|d)$` and yields milliseconds. */
export function durationBetween(minMs: number, maxMs: number) {
  return z.unknown().transform((value, ctx) => {
    const ms = parseDurationMs(value);
    if (ms === undefined) {
      reject(ctx, `must be a duration: ${DURATION_RULE}`, `write it like ${formatDurationMs(Math.max(minMs, 1000))}`);
      return z.NEVER;
    }
    if (ms < minMs || ms > maxMs) {
      const suggestion =
        ms < minMs ? `use at least ${formatDurationMs(minMs)}` : `use at most ${formatDurationMs(maxMs)}`;
      reject(ctx, `must be between ${formatDurationMs(minMs)} and ${formatDurationMs(maxMs)}`, suggestion);
      return z.NEVER;
    }
    return ms;
  });
}

export function stringMatching(pattern: RegExp, rule: string, suggestion: string) {
  return z.string().check((ctx) => {
    if (!pattern.test(ctx.value)) reject(ctx, rule, suggestion);
  });
}

export function stringUpTo(maxLength: number) {
  return z.string().check((ctx) => {
    if (ctx.value.length > maxLength) {
      reject(ctx, `must be at most ${maxLength} characters`, `shorten it to ${maxLength} characters`);
    }
  });
}

export function nonEmptyString() {
  return z.string().check((ctx) => {
    if (ctx.value.trim() === '') reject(ctx, 'must not be empty', 'set a value or remove the key');
  });
}

/** `http:`/`https:` (or other listed schemes) URL. */
export function urlWithScheme(schemes: readonly string[], example: string) {
  return z.string().check((ctx) => {
    let protocol: string | undefined;
    try {
      protocol = new URL(ctx.value).protocol.slice(0, -1);
    } catch {
      protocol = undefined;
    }
    if (protocol === undefined || !schemes.includes(protocol)) {
      reject(ctx, `must be a ${schemes.join(' or ')} URL`, `write it like ${example}`);
    }
  });
}
