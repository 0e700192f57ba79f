// Every dashboard shipped in dashboards/, by file name. test/dashboards.test.ts proves the checked-in
// JSON equals this output; regenerate with `npx vitest run test/dashboards.test.ts --update`.
import { checkDashboard } from './check.js';
import type { Dashboard } from './grafana.js';
import { overviewDashboard } from './overview.js';

export const DASHBOARDS: Readonly<Record<string, () => Dashboard>> = {
  'otp-canary-overview.json': overviewDashboard,
  'otp-canary-check.json': checkDashboard,
};

export function renderDashboard(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
