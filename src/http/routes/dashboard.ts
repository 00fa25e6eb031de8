/**
 * GET {basePath}/: the dashboard page. Served without the token: a browser navigation cannot send a bearer
 * header, and the page holds no data (it asks for the token and calls the API with it).
 */
import { loadAsset } from '../../core/assets.js';
import type { Reply } from '../response.js';

export const DASHBOARD_PATH = '/';

export function dashboardPage(): Reply {
  return {
    status: 200,
    text: loadAsset(import.meta.url, '../dashboard/index.html'),
    contentType: 'text/html; charset=utf-8',
    // The page calls the API with fetch only; other sites may not frame it.
    headers: { 'x-frame-options': 'SAMEORIGIN', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' },
  };
}
