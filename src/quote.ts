// How an argument is shown in a command the user may copy into a POSIX shell. Display only:
// nothing is ever run through a shell.

/** The argument as a shell user would type it: bare when safe, else in single quotes. */
export function quoteArg(a: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a)) return a;
  return `'${a.replace(/'/g, `'\\''`)}'`;
}
