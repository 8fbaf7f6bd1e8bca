/**
 * What of k6's stderr goes into an error message or a report note: the first meaningful line(s), not k6's
 * internal stack (issue 15: a script error put about 40 lines of goja/k6 frames into the notes). Pure.
 *
 * k6 logs in logfmt when stderr is not a terminal: `time=… level=error msg="Error: boom\n\tat file:///…:20:8(74)\n…" hint="script exception"`.
 * From each error we keep the message's first line, the first frame in the user's script (`file://…`),
 * and k6's hint; other lines that are stack frames (`at …`) are dropped.
 */

const FIELD = (name: string) => new RegExp(`\\b${name}="((?:[^"\\\\]|\\\\.)*)"`);

function unquote(s: string): string {
  try {
    return JSON.parse(`"${s}"`) as string;
  } catch {
    return s;
  }
}

const isFrame = (l: string) => /^\s*at\s/.test(l) || /^\s*\S+\s+\(native\)\s*$/.test(l);

/** The distinct errors k6 wrote, each as one or two short lines; at most `max` errors. */
export function k6ErrorLines(stderr: string, max = 2): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (line: string) => {
    const l = line.length > 300 ? `${line.slice(0, 299)}…` : line;
    if (!seen.has(l)) {
      seen.add(l);
      out.push(l);
    }
  };
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const logfmt = lines.filter((l) => /\blevel=(error|fatal)\b/.test(l));
  if (logfmt.length) {
    for (const l of logfmt) {
      if (seen.size >= max) break;
      // A msg cut by the tail buffer (or by a shell that expanded its \n) has no closing quote: take the rest.
      const msg = unquote(FIELD('msg').exec(l)?.[1] ?? /\bmsg="(.*)$/.exec(l)?.[1] ?? l);
      const hint = FIELD('hint').exec(l)?.[1];
      const msgLines = msg.split('\n').map((x) => x.trim()).filter(Boolean);
      const head = msgLines.find((x) => !isFrame(x)) ?? msgLines[0] ?? '';
      const frame = msgLines.find((x) => isFrame(x) && x.includes('file://'));
      add(`${head}${frame ? ` (${frame.replace(/^at\s+/, 'at ')})` : ''}${hint ? ` [${unquote(hint)}]` : ''}`);
    }
    return out;
  }
  if (lines.some((l) => /\blevel=\w+/.test(l))) return out; // logfmt without errors: warnings and info only
  // Not logfmt (a terminal, or a crash before logging started): the last lines that are not stack frames.
  for (const l of lines.filter((x) => !isFrame(x)).slice(-max)) add(l.trim());
  return out;
}
