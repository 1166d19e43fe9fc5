import { expect, test } from '@playwright/test';
import { open, signIn } from './helpers';

test('a manager lands on the maturity overview, reviews the demo project, attests an item and signs off crawl', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await signIn(page, 'manager');
  // Managers land on the overview of their projects.
  await expect(page).toHaveURL(/\/maturity$/);
  const row = page.getByTestId('maturity-support-bot-dach');
  await expect(row.getByTestId('computed')).toHaveText('Crawl');
  await expect(page.getByTestId('maturity-legal-assistant')).toBeVisible();
  await row.getByTestId('review-support-bot-dach').click();

  // Crawl is held, walk partly, and the missing items are named.
  await expect(page.getByTestId('computed-stage')).toHaveText('Crawl');
  const crawl = page.getByTestId('stage-crawl');
  await expect(crawl.getByTestId('stage-state')).toHaveText('held');
  await expect(crawl.getByTestId('item-golden-dataset').getByTestId('attestation')).toContainText('Mia Manager');
  const walk = page.getByTestId('stage-walk');
  await expect(walk.getByTestId('stage-state')).toHaveText('not held');
  await expect(walk.getByTestId('item-challenges').getByTestId('item-state')).toHaveText('met');
  await expect(walk.getByTestId('item-human-ratings').getByTestId('item-state')).toHaveText('not met');
  await expect(page.getByTestId('advice')).toContainText('Next, walk:');
  await expect(page.getByTestId('advice')).toContainText('human ratings with measured agreement');

  // Attest what the data cannot show, with a note.
  const monitors = page.getByTestId('stage-run').getByTestId('item-monitors');
  await monitors.getByTestId('attest-open').click();
  await monitors.getByTestId('input-note').fill('Alerts on reply-language go to #support-bot in Slack.');
  await monitors.getByTestId('attest-submit').click();
  await expect(monitors.getByTestId('item-state')).toHaveText('attested');
  await expect(monitors.getByTestId('attestation')).toContainText('#support-bot');

  // A stage the evidence does not hold cannot be signed off; crawl can.
  const form = page.getByTestId('sign-off-form');
  await form.getByTestId('input-stage').selectOption('walk');
  await form.getByTestId('input-note').fill('Ready for walk?');
  await form.getByTestId('sign-off-submit').click();
  await expect(page.getByTestId('error-stage')).toContainText('Walk is not held yet');
  await form.getByTestId('input-stage').selectOption('crawl');
  await form.getByTestId('input-note').fill('Logging, a golden set and owned metrics are in place.');
  await form.getByTestId('sign-off-submit').click();
  await expect(page.getByTestId('signed-stage')).toHaveText('Crawl');
  await expect(page.getByTestId('history-table')).toContainText('Signed off crawl');
  await expect(page.getByTestId('history-table')).toContainText('Mia Manager');

  // The Markdown export says the same.
  const markdown = await page.request.get('/api/v1/projects/support-bot-dach/maturity?format=markdown');
  expect(markdown.status()).toBe(200);
  const text = await markdown.text();
  expect(text).toContain('Computed stage: **Crawl**');
  expect(text).toContain('Signed off: **Crawl** by Mia Manager');
  expect(errors).toEqual([]);
});

test('an owner reads the review but cannot sign off, in the page or by calling the server', async ({ page }) => {
  await signIn(page, 'owner');
  await open(page, '/projects/support-bot-dach/maturity');
  await expect(page.getByTestId('computed-stage')).toBeVisible();
  await expect(page.getByTestId('sign-off')).toHaveCount(0);
  await expect(page.getByTestId('attest-open')).toHaveCount(0);
  // Owners keep the challenges list.
  await expect(page.getByTestId('challenge-form')).toBeVisible();
  const refused = await page.request.post('/api/sign_off_stage', {
    form: { project: 'support-bot-dach', stage: 'crawl', note: 'my own project' },
  });
  expect(refused.status()).toBe(403);
  expect(await refused.text()).toContain('managers');
});
