/**
 * The page registry: the nav shows pages in this order, the first is the
 * home page. A new page is one module in this folder plus one line here.
 */
import type { DashboardPage } from './page.js';
import { objectsPage } from './objects.js';
import { clusterPage } from './cluster.js';
import { computePage } from './compute.js';

export type { DashboardPage, PageContext } from './page.js';

export const PAGES: readonly DashboardPage[] = [objectsPage, computePage, clusterPage];
