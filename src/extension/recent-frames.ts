// What the extension host worked out for the first frames of the files opened lately (src/extension/view-session.ts):
// the graph read here and the frame drawn from it, or that the file's graph is too big for the host to draw. Kept by
// path while the file's size, modification time and inode are those seen when it was read, so that opening a model
// again (a second view of it, a tab closed and reopened) puts its first frame into the page without reading the file
// or laying it out again: those were most of the host's part of the opening (tens of ms on a busy machine, most of it
// the first time the code runs). No vscode import: the webview tests drive the same code.
import * as fs from 'node:fs';
import type { WireGraph } from '../shared/protocol';
import type { FirstFrame } from '../../webview/first-frame';

export interface RecentFrame {
  /** The graph the frame was drawn from; undefined when the host did not read it (too big). */
  graph?: WireGraph;
  /** The host's frame; undefined when there is none (too big, or drawing it failed). */
  frame?: FirstFrame;
}

/** How many files are remembered (each a small graph and its markup: tens of kB). */
export const RECENT_FILES = 8;

const recent = new Map<string, { stamp: string; value: RecentFrame }>();

/** What identifies the content of `file` as read (size, modification time, inode); undefined when it cannot be read. */
export function fileStamp(file: string): string | undefined {
  try {
    const s = fs.statSync(file);
    return s.isFile() ? `${s.size}:${s.mtimeMs}:${s.ino}` : undefined;
  } catch {
    return undefined;
  }
}

/** What was worked out for `file` when it had `stamp`; undefined when nothing was, or the file has changed since. */
export function recallFrame(file: string, stamp: string): RecentFrame | undefined {
  const known = recent.get(file);
  if (!known) return undefined;
  recent.delete(file);
  if (known.stamp !== stamp) return undefined;
  recent.set(file, known); // the most recent last
  return known.value;
}

/** Remembers what was worked out for `file` read at `stamp` (the oldest of more than RECENT_FILES is forgotten). */
export function rememberFrame(file: string, stamp: string, value: RecentFrame): void {
  recent.delete(file);
  recent.set(file, { stamp, value });
  while (recent.size > RECENT_FILES) recent.delete(recent.keys().next().value!);
}

/** Forgets every remembered file (the benchmark measures first openings only, as Netron has no such memory). */
export function forgetFrames(): void {
  recent.clear();
}
