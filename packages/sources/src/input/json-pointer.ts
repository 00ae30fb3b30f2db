/** RFC 6901 pointer, escaping `~` and `/` so label names such as `app.kubernetes.io/name` stay addressable. */
export function jsonPointer(...segments: Array<string | number>): string {
  return segments.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}
