/**
 * dashboard: the web console. Its own small server (login with tempauth
 * credentials, sessions kept server-side, CSRF-checked changes) and its
 * pages, drawn in the browser by plain ES modules. It reaches swiftly only
 * through the public HTTP APIs (the proxy's Swift API, compute and image
 * APIs, storage nodes' /recon, /metrics) and imports nothing but common/.
 */
export { startDashboard, buildDashboard, type DashboardServer, type DashboardOptions } from './server.js';
export { readDashboardConfig, dashboardConfigFrom, type DashboardConfig } from './config.js';
export { PAGES, type DashboardPage, type PageContext } from './pages/index.js';
