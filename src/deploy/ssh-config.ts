// ~/.ssh/config: Host blocks with HostName, User, Port and IdentityFile, as OpenSSH reads them (first value wins,
// IdentityFile accumulates, `Host` patterns with `*`, `?` and `!`, Include). Match blocks are skipped.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface SshConfigBlock {
  /** Host patterns; empty for the part before the first Host line (applies to every host). */
  patterns: string[];
  /** Match blocks are not evaluated: they never apply. */
  isMatch: boolean;
  options: { key: string; value: string }[];
}

export interface SshHostSettings {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
}

function splitWords(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out.push(m[1] ?? m[2]);
  return out;
}

/** Parses config text into blocks; `Include` lines are expanded from `baseDir` (default ~/.ssh). */
export function parseSshConfig(text: string, baseDir = path.join(os.homedir(), '.ssh'), depth = 0): SshConfigBlock[] {
  const blocks: SshConfigBlock[] = [{ patterns: [], isMatch: false, options: [] }];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1].toLowerCase();
    const value = m[2].trim();
    if (key === 'host') {
      blocks.push({ patterns: splitWords(value), isMatch: false, options: [] });
    } else if (key === 'match') {
      blocks.push({ patterns: [], isMatch: true, options: [] });
    } else if (key === 'include' && depth < 8) {
      const current = blocks[blocks.length - 1];
      for (const pattern of splitWords(value)) {
        for (const file of expandInclude(pattern, baseDir)) {
          let sub: string;
          try { sub = fs.readFileSync(file, 'utf8'); } catch { continue; }
          const inner = parseSshConfig(sub, baseDir, depth + 1);
          current.options.push(...inner[0].options);
          blocks.push(...inner.slice(1));
          if (inner.length > 1) blocks.push({ ...current, options: [] });
        }
      }
    } else {
      blocks[blocks.length - 1].options.push({ key, value });
    }
  }
  return blocks;
}

function expandInclude(pattern: string, baseDir: string): string[] {
  let p = pattern.startsWith('~/') ? path.join(os.homedir(), pattern.slice(2)) : pattern;
  if (!path.isAbsolute(p)) p = path.join(baseDir, p);
  const dir = path.dirname(p);
  const base = path.basename(p);
  if (!/[*?]/.test(base)) return [p];
  let names: string[];
  try { names = fs.readdirSync(dir).sort(); } catch { return []; }
  return names.filter((n) => globMatch(base, n)).map((n) => path.join(dir, n));
}

/** OpenSSH-style glob: `*` any run, `?` one character; case-insensitive like host names. */
export function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
  return re.test(text);
}

/** A host matches a pattern list when some positive pattern matches and no negated one does. */
export function hostMatches(patterns: readonly string[], host: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), host)) return false;
    } else if (globMatch(p, host)) matched = true;
  }
  return matched;
}

/** The settings that apply to `alias` (the name the user typed). */
export function resolveSshHost(blocks: readonly SshConfigBlock[], alias: string): SshHostSettings {
  const first = new Map<string, string>();
  const identityFiles: string[] = [];
  for (const b of blocks) {
    if (b.isMatch) continue;
    if (b.patterns.length > 0 && !hostMatches(b.patterns, alias)) continue;
    for (const { key, value } of b.options) {
      if (key === 'identityfile') identityFiles.push(splitWords(value)[0] ?? value);
      else if (!first.has(key)) first.set(key, splitWords(value)[0] ?? value);
    }
  }
  const portText = first.get('port');
  const port = portText !== undefined && /^\d+$/.test(portText) ? Number(portText) : undefined;
  return { hostName: first.get('hostname'), user: first.get('user'), port, identityFiles };
}

/** Concrete host aliases (no wildcards, no negation) in the order they appear: the device list's candidates. */
export function listSshHosts(blocks: readonly SshConfigBlock[]): string[] {
  const out: string[] = [];
  for (const b of blocks) {
    for (const p of b.patterns) if (!/[*?!]/.test(p) && !out.includes(p)) out.push(p);
  }
  return out;
}

/** Expands `~` and the %-tokens OpenSSH allows in IdentityFile. */
export function expandPathTokens(p: string, t: { host: string; user: string; port: number; alias: string }): string {
  const home = os.homedir();
  let out = p.replace(/%([%dhupnrl])/g, (_m, c: string) => {
    switch (c) {
      case '%': return '%';
      case 'd': return home;
      case 'h': return t.host;
      case 'u': return os.userInfo().username;
      case 'p': return String(t.port);
      case 'n': return t.alias;
      case 'r': return t.user;
      case 'l': return os.hostname();
      default: return _m;
    }
  });
  if (out === '~') out = home;
  else if (out.startsWith('~/')) out = path.join(home, out.slice(2));
  return out;
}

export interface SshConfigHost { alias: string; hostName?: string; user?: string; port?: number; identityFiles: string[] }

/** The concrete Host entries of ~/.ssh/config (or `file`) with their settings: the device list's entries. A missing
 *  or unreadable file gives an empty list. */
export function readSshConfigHosts(file = path.join(os.homedir(), '.ssh', 'config')): SshConfigHost[] {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { return []; }
  const blocks = parseSshConfig(text, path.dirname(file));
  return listSshHosts(blocks).map((alias) => ({ alias, ...resolveSshHost(blocks, alias) }));
}
