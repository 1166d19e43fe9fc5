import { expect, test } from '@playwright/test';
import { open, signIn, watchPolicy } from './helpers';

test('pages hydrate and draw charts under their Content-Security-Policy without a single violation', async ({ page }) => {
  const seen = watchPolicy(page);
  const response = await page.goto('/login');
  const policy = response?.headers()['content-security-policy'] ?? '';
  expect(policy).toContain("'wasm-unsafe-eval'");
  expect(policy).toMatch(/'nonce-[A-Za-z0-9+/=_-]{16,}'/);
  expect(response?.headers()['x-content-type-options']).toBe('nosniff');
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();

  await signIn(page, 'manager');
  // A chart page: ECharts is loaded on demand and draws on a canvas.
  await open(page, '/projects/support-bot-dach/impact');
  await expect(page.getByTestId('chart').locator('canvas')).toHaveCount(1);
  // Hovering draws a tooltip (styled HTML made by ECharts).
  await page.getByTestId('chart').hover();
  await page.waitForTimeout(300);
  expect(seen).toEqual([]);
});

test('Vernier refuses to be framed by another page', async ({ page }) => {
  const seen = watchPolicy(page);
  const origin = new URL(process.env.VERNIER_E2E_URL ?? 'http://127.0.0.1:3000').origin;
  await page.setContent(`<iframe id="frame" src="${origin}/login"></iframe>`);
  await page.waitForTimeout(1500);
  const framed = page.frames().find((frame) => frame.url().startsWith(origin));
  const hydrated = framed ? await framed.locator('body[data-hydrated="true"]').count().catch(() => 0) : 0;
  expect(hydrated).toBe(0);
  expect(seen.join('\n')).toMatch(/frame-ancestors|X-Frame-Options/i);
});
