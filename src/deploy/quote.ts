// Shell quoting for commands run on the device (POSIX sh), and POSIX paths on the device.

/** Quotes one word for a POSIX shell: anything (spaces, quotes, `$`, backticks, newlines) stays literal. */
export function shellQuote(word: string): string {
  if (word.includes('\0')) throw new Error('a shell word cannot contain a NUL byte');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Builds a command line from words, each quoted. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/** Joins POSIX path segments (the device's paths, whatever the local OS). */
export function posixJoin(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '').join('/');
  return joined.replace(/\/{2,}/g, '/');
}

/** The device-side directory for `--remote-dir`: `~` and `~/x` are relative to the login home (given absolute). */
export function resolveRemoteDir(dir: string, home: string): string {
  let d = dir.trim();
  if (d === '' || d === '~') d = home;
  else if (d.startsWith('~/')) d = posixJoin(home, d.slice(2));
  else if (!d.startsWith('/')) d = posixJoin(home, d);
  if (d.length > 1) d = d.replace(/\/+$/, '');
  return d;
}
