/** client-node hands error bodies over as text that is usually, but not always, a JSON Status object. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
