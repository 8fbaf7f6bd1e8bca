/**
 * Notices when the process that started loadgate goes away, so a run never goes on sending load (and orders)
 * after the user's command is gone (issue 14 item 1).
 *
 * `npx loadgate …`, `npm exec` and `npm run` start loadgate through `sh -c` (and `npm run loadgate` through tsx,
 * which runs loadgate in a child of its own). On SIGTERM or Ctrl-C npm forwards the signal to that shell only;
 * the shell dies of it at once, npm exits 143/130 and loadgate, a grandchild, is reparented and hears
 * nothing. So the chain of launchers above loadgate (shells, node, tsx, npm, npx) is recorded at start, up to and
 * including npm/npx when there is one (else the direct parent only), and polled: a launcher that is gone or was
 * reparented means the command the user started has ended. Linux reads /proc; elsewhere the direct parent
 * (process.ppid) is watched.
 */
import { readFileSync } from 'node:fs';

interface Link {
  pid: number;
  ppid: number;
  name: string;
}

/** `pid (comm) state ppid …` → ppid and comm; undefined when the process is gone. */
function statOf(pid: number): { ppid: number; comm: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const ppid = Number(text.slice(close + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? { ppid, comm } : undefined;
  } catch {
    return undefined;
  }
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

const LAUNCHER = /^(?:sh|dash|bash|zsh|ash|node|tsx|npm|npx)\b/;
const NPM = /(?:^|[\s/])(?:npm|npx)(?:-cli\.js)?(?:\s|$)|^npm /;

/** The launch chain above this process: links (pid → its parent) to check. */
export function launchChain(self = process.pid, maxDepth = 6): Link[] {
  const first = statOf(self);
  if (first === undefined) return [];
  const links: Link[] = [];
  let pid = self;
  let cur = first;
  for (let depth = 0; depth < maxDepth && cur.ppid > 1; depth++) {
    const parent = statOf(cur.ppid);
    if (parent === undefined) break;
    links.push({ pid, ppid: cur.ppid, name: parent.comm });
    if (NPM.test(parent.comm) || NPM.test(cmdlineOf(cur.ppid))) return links;
    if (!LAUNCHER.test(parent.comm)) break;
    pid = cur.ppid;
    cur = parent;
  }
  // No npm/npx above: watch only the direct parent (a shell the user typed into, a CI runner, a test).
  return links.slice(0, 1);
}

/**
 * Calls `onGone` once when a launcher above this process dies or is reparented. Polls every `intervalMs`
 * (an unref'd timer: it never keeps the process alive). Returns a function that stops watching.
 */
export function watchParent(onGone: (who: string) => void, intervalMs = 250): () => void {
  const links = process.platform === 'linux' ? launchChain() : [];
  const startPpid = process.ppid;
  if (links.length === 0 && startPpid <= 1) return () => undefined;
  const timer = setInterval(() => {
    let gone: string | undefined;
    if (links.length === 0) {
      if (process.ppid !== startPpid) gone = `parent pid ${startPpid}`;
    } else {
      for (const l of links) {
        const now = statOf(l.pid);
        if (now === undefined || now.ppid !== l.ppid) {
          gone = `${l.name}, pid ${l.ppid}`;
          break;
        }
      }
    }
    if (gone !== undefined) {
      clearInterval(timer);
      onGone(gone);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
