/**
 * zod's unknown-key issue names the unknown keys but not the known ones, which "did you mean" needs; the object's
 * error map writes them into the message and the problem builder reads them back.
 */
const PREFIX = 'unknown key; known keys: ';

export function knownKeysMessage(keys: readonly string[]): string {
  return `${PREFIX}${keys.join(',')}`;
}

export function knownKeysFromMessage(message: string): string[] {
  return message.startsWith(PREFIX) ? message.slice(PREFIX.length).split(',').filter(Boolean) : [];
}
