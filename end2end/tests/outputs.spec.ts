import { expect, test } from '@playwright/test';
import { createKey, delveMetric, open, signIn, unique } from './helpers';

const PROJECT = 'support-bot-dach';

test('a key made in the UI sends outputs that the browser shows with their scores', async ({ page, playwright }) => {
  await signIn(page, 'owner');
  const secret = await createKey(page);
  const auth = { Authorization: `Bearer ${secret}` };
  const client = await playwright.request.newContext({ baseURL: new URL(page.url()).origin });
  const run = unique();
  const metric = `e2e-delve-${run}`;
  await delveMetric(client, auth, metric);

  const version = `e2e-${run}`;
  const sent = await client.post(`/api/v1/projects/${PROJECT}/outputs`, {
    headers: auth,
    data: [
      { version, external_id: `${run}-1`, conversation_id: `c-${run}`, turn_index: 0, input: 'Wie kündige ich?',
        output: 'Im Kundenkonto unter Verträge.', metadata: { language: 'de', channel: 'web' } },
      { version, external_id: `${run}-2`, conversation_id: `c-${run}`, turn_index: 1,
        messages: [{ role: 'user', content: 'Und auf Englisch?' }],
        output: 'Let us delve into your contract.', metadata: { language: 'en', channel: 'web' } },
    ],
  });
  expect(sent.status(), await sent.text()).toBe(201);
  await client.dispose();

  await open(page, `/projects/${PROJECT}`);
  await page.getByTestId('project-outputs').click();
  await expect(page).toHaveURL(/\/outputs$/);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await page.getByTestId('filter-version').selectOption(version);
  await page.getByTestId('filter-apply').click();
  await expect(page.getByTestId('output-table').locator('tbody tr')).toHaveCount(2);

  await page.getByTestId('filter-metric').selectOption(metric);
  await page.getByTestId('filter-verdict').selectOption('fail');
  await page.getByTestId('filter-apply').click();
  const rows = page.getByTestId('output-table').locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Let us delve into your contract.');
  await expect(rows.first().getByTestId('output-scores')).toContainText('failed');

  await rows.first().locator('a').first().click();
  await expect(page.getByTestId('conversation')).toContainText('Und auf Englisch?');
  await expect(page.getByTestId('reply')).toContainText('Let us delve into your contract.');
  await expect(page.getByTestId('output-metadata')).toContainText('language=en');
  const score = page.getByTestId(`score-${metric}`);
  await expect(score.getByTestId('score-verdict')).toHaveText('failed');
  await expect(score.getByTestId('score-rationale')).toContainText('delve');
});

test('a re-scoring job started on the metric page shows its progress to completion', async ({ page, playwright }) => {
  await signIn(page, 'owner');
  const secret = await createKey(page);
  const auth = { Authorization: `Bearer ${secret}` };
  const client = await playwright.request.newContext({ baseURL: new URL(page.url()).origin });
  const run = unique();
  const metric = `e2e-rescore-${run}`;
  await delveMetric(client, auth, metric);
  await client.dispose();

  await open(page, `/projects/${PROJECT}/metrics/${metric}`);
  const panel = page.getByTestId('rescoring');
  await expect(panel.getByTestId('job-table')).toContainText('Metric activated');
  // The activation's job scores every demo output first; one job per metric runs at a time.
  await expect(panel.getByTestId('job-table').locator('tbody tr').first().getByTestId('job-status')).toHaveText('Done', { timeout: 60_000 });
  const today = new Date().toISOString().slice(0, 10);
  await panel.getByTestId('rescore-from').fill('2020-01-01');
  await panel.getByTestId('rescore-to').fill(today);
  await panel.getByTestId('rescore-submit').click();
  const newest = panel.getByTestId('job-table').locator('tbody tr').first();
  await expect(newest).toContainText('Requested by owner');
  await expect(newest.getByTestId('job-status')).toHaveText('Done', { timeout: 30_000 });
  await expect(newest.getByTestId('job-progress')).toHaveAttribute('value', '100');
  await expect(newest.getByTestId('job-counts')).toContainText('100%');
});

test('an annotator can open neither the outputs browser nor the endpoints page', async ({ page }) => {
  await signIn(page, 'annotator');
  for (const path of [`/projects/${PROJECT}/outputs`, `/projects/${PROJECT}/endpoints`]) {
    const response = await page.goto(path);
    expect(response?.status()).toBe(403);
    await expect(page.getByTestId('forbidden')).toBeVisible();
  }
});

test('an owner saves an LLM endpoint and its key is never shown back', async ({ page }) => {
  await signIn(page, 'owner');
  await open(page, `/projects/${PROJECT}`);
  await page.getByTestId('project-endpoints').click();
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await page.getByTestId('chat_url').fill('not a url');
  await page.getByTestId('chat_model').fill('gpt-4o-mini');
  await page.getByTestId('endpoints-submit').click();
  await expect(page.getByTestId('error-chat_url')).toBeVisible();
  await page.getByTestId('chat_url').fill('http://127.0.0.1:9/v1');
  await page.getByTestId('chat_key').fill('sk-e2e-secret');
  await page.getByTestId('endpoints-submit').click();
  await expect(page.getByTestId('endpoints-saved')).toBeVisible();
  await open(page, `/projects/${PROJECT}/endpoints`);
  await expect(page.getByTestId('chat_key-state')).toHaveText('A key is set; leave empty to keep it.');
  await expect(page.getByTestId('chat_url')).toHaveValue('http://127.0.0.1:9/v1');
  expect(await page.content()).not.toContain('sk-e2e-secret');
});
