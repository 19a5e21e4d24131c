/** HTML text made on the server: escaping, and the page shell every page shares. */
import type { DashboardPage } from './pages/page.js';
import type { Session } from './session.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function head(title: string, extra = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · swiftly</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="data:,">
${extra}</head>`;
}

/** A page: nav of every page, who is logged in, log out, and `<main>` for the page's module to fill. */
export function renderShell(page: DashboardPage, pages: readonly DashboardPage[], session: Session): string {
  const nav = pages
    .map((p) => `<li><a href="/${p.id}"${p.id === page.id ? ' aria-current="page"' : ''}>${escapeHtml(p.title)}</a></li>`)
    .join('');
  return `${head(page.title, `<meta name="csrf-token" content="${escapeHtml(session.csrf)}">
<script type="module" src="/static/pages/${escapeHtml(page.script)}"></script>
`)}
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <span class="brand">swiftly</span>
  <nav aria-label="Main"><ul>${nav}</ul></nav>
  <span class="who" title="logged in as">${escapeHtml(session.user)}</span>
  <form method="post" action="/logout"><input type="hidden" name="csrf" value="${escapeHtml(session.csrf)}"><button type="submit">Log out</button></form>
</header>
<div id="status" class="status" role="status" aria-live="polite"></div>
<main id="main" tabindex="-1" data-page="${escapeHtml(page.id)}"><h1>${escapeHtml(page.title)}</h1><p class="loading">Loading…</p></main>
</body>
</html>
`;
}

/** The login form; `error` shown above it. Works without script. */
export function renderLogin(error?: string): string {
  return `${head('Log in')}
<body class="login">
<main id="main">
<h1>swiftly</h1>
<form method="post" action="/login" class="login-form">
  ${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
  <label for="user">User <small>(account:user)</small></label>
  <input id="user" name="user" autocomplete="username" required autofocus>
  <label for="key">Key</label>
  <input id="key" name="key" type="password" autocomplete="current-password" required>
  <button type="submit">Log in</button>
</form>
</main>
</body>
</html>
`;
}
