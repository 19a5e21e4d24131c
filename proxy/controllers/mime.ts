/** Content-Type guessed from an object name's extension, as Swift does with `mimetypes`. */
const TYPES: Record<string, string> = {
  txt: 'text/plain', html: 'text/html', htm: 'text/html', css: 'text/css', csv: 'text/csv',
  js: 'application/javascript', json: 'application/json', xml: 'application/xml', pdf: 'application/pdf',
  zip: 'application/zip', gz: 'application/gzip', tar: 'application/x-tar', tgz: 'application/x-tar',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml',
  webp: 'image/webp', ico: 'image/vnd.microsoft.icon', mp4: 'video/mp4', mp3: 'audio/mpeg',
  wav: 'audio/x-wav', iso: 'application/x-iso9660-image', img: 'application/octet-stream',
  qcow2: 'application/octet-stream', sh: 'application/x-sh', py: 'text/x-python', md: 'text/markdown',
  ts: 'video/mp2t', yaml: 'application/yaml', yml: 'application/yaml',
};

export function guessContentType(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return 'application/octet-stream';
  return TYPES[base.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}
