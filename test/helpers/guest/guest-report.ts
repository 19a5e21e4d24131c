/** What the test guest prints on its serial console: `SWIFTLY-GUEST key=value` lines (see init.sh), as key → value. */
export function guestReport(consoleText: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of consoleText.split(/\r?\n/)) {
    const m = /SWIFTLY-GUEST ([\w-]+)=?(.*)$/.exec(line);
    if (m) out.set(m[1], m[2].trim());
  }
  return out;
}
