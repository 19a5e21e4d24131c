/**
 * Everything tested in a real browser: headless Chromium (Debian's
 * `chromium`, driven by playwright-core; CHROMIUM_PATH names another
 * build), in one process over one cluster and one Chromium (the rig,
 * test/helpers/browser-rig.ts), each suite in a browser context of its own:
 * the dashboard's object browser, its compute actions, its cluster and
 * compute views, and Swift's formpost from a browser form. The suites are
 * in test/integration/browser/. Skips where Chromium is missing, except
 * under CI=true, where that is a failure.
 *
 * With SCREENSHOTS_DIR set, the dashboard suites save the README's
 * pictures there: `npm run docs:screenshots` refreshes docs/*.png.
 */
import { describe } from 'node:test';
import { browserRig } from '../helpers/browser-rig.js';
import { skipWithoutChromium as skip } from '../helpers/chromium.js';
import { clusterViewSuite } from './browser/cluster-view.js';
import { computeActionsSuite } from './browser/compute-actions.js';
import { formpostSuite } from './browser/formpost.js';
import { objectBrowserSuite } from './browser/object-browser.js';

describe('in Chromium', { skip }, () => {
  const rig = browserRig();
  objectBrowserSuite(rig);
  formpostSuite(rig);
  computeActionsSuite(rig);
  // Last: it stops one of the cluster's container servers.
  clusterViewSuite(rig);
});
