import { expect, test } from '@playwright/test';
import { open, signIn, unique } from './helpers';

test('an owner creates an API key shown once, a client uses it, and revoking it locks the client out', async ({ page, playwright }) => {
  await signIn(page, 'owner');
  await open(page, '/projects/support-bot-dach');
  await page.getByTestId('project-keys').click();
  await expect(page).toHaveURL(/\/api-keys$/);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();

  const name = `ci-${unique()}`;
  await page.getByTestId('key-form').getByTestId('input-name').fill(name);
  await page.getByTestId('key-submit').click();
  const secret = (await page.getByTestId('new-key-secret').textContent()) ?? '';
  expect(secret).toMatch(/^vk_[0-9a-f]{8}_[0-9a-f]{40}$/);
  const row = page.getByTestId(`key-${secret.slice(0, 11)}`);
  await expect(row).toContainText(name);
  await expect(row.getByTestId('key-last-used')).toHaveText('never');

  // A client with no session, only the key.
  const client = await playwright.request.newContext({ baseURL: new URL(page.url()).origin });
  const listed = await client.get('/api/v1/projects/support-bot-dach/metrics', { headers: { Authorization: `Bearer ${secret}` } });
  expect(listed.status()).toBe(200);
  const anonymous = await client.get('/api/v1/projects/support-bot-dach/metrics');
  expect(anonymous.status()).toBe(401);

  // The page shows the use, and the secret is gone after a reload.
  await open(page, '/projects/support-bot-dach/api-keys');
  await expect(page.getByTestId('new-key-secret')).toHaveCount(0);
  await expect(row.getByTestId('key-last-used')).not.toHaveText('never');

  await row.getByTestId('key-revoke').click();
  await expect(row.getByTestId('key-revoked')).toBeVisible();
  const refused = await client.get('/api/v1/projects/support-bot-dach/metrics', { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);
  await client.dispose();
});

test('an annotator cannot open the API keys page', async ({ page }) => {
  await signIn(page, 'annotator');
  const response = await page.goto('/projects/support-bot-dach/api-keys');
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await expect(page.getByTestId('key-form')).toHaveCount(0);
});
