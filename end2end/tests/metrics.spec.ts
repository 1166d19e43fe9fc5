import { expect, Page, test } from '@playwright/test';
import { open, signIn, unique } from './helpers';

const PROJECT = '/projects/support-bot-dach';

function isoDay(offsetDays: number) {
  const day = new Date(Date.now() + offsetDays * 86_400_000);
  return day.toISOString().slice(0, 10);
}

/** Fills and submits the new-metric form; ends on the new metric's page. */
async function createMetric(page: Page, m: { key: string; name: string; cost: string; review: string; retire?: string; tags?: string }) {
  await open(page, `${PROJECT}/metrics/new`);
  const form = page.getByTestId('metric-form');
  await form.getByTestId('input-key').fill(m.key);
  await form.getByTestId('input-name').fill(m.name);
  await form.getByTestId('input-question').fill('Do customers get answers they can use?');
  await form.getByTestId('input-cost_per_failure').fill(m.cost);
  await form.getByTestId('input-review_date').fill(m.review);
  if (m.retire) await form.getByTestId('input-retirement_date').fill(m.retire);
  if (m.tags) await form.getByTestId('input-tags').fill(m.tags);
  await form.getByTestId('metric-submit').click();
  await expect(page).toHaveURL(new RegExp(`/metrics/${m.key}$`));
  await expect(page.getByTestId('metric-name')).toHaveText(m.name);
}

test('an owner creates a metric, finds it by filter, edits its cost and sees the change in the history', async ({ page }) => {
  await signIn(page, 'owner');
  const key = `refund-${unique()}`;
  const tag = `t${unique()}`;
  await createMetric(page, { key, name: `Refund policy cited ${key}`, cost: '2.50', review: isoDay(60), retire: isoDay(365), tags: tag });
  await expect(page.getByTestId('metric-cost')).toHaveText('$2.50');
  await expect(page.getByTestId('metric-retirement-date')).toHaveText(isoDay(365));
  await expect(page.getByTestId('metric-status')).toHaveText('Draft');

  // Found by tag and by text; not found under another status.
  await open(page, `${PROJECT}/metrics?tag=${tag}`);
  await expect(page.getByTestId(`metric-row-${key}`)).toBeVisible();
  await expect(page.getByTestId('metric-table').locator('tbody tr')).toHaveCount(1);
  await page.getByTestId('filter-status').selectOption('retired');
  await page.getByTestId('filter-apply').click();
  await expect(page.getByTestId('metric-table-empty')).toBeVisible();
  await open(page, `${PROJECT}/metrics?q=${key}`);
  await expect(page.getByTestId(`metric-row-${key}`)).toContainText('$2.50');

  // A bad cost is refused next to its field; a good one is saved and recorded.
  await open(page, `${PROJECT}/metrics/${key}/edit`);
  const form = page.getByTestId('metric-form');
  await form.getByTestId('input-cost_per_failure').fill('two fifty');
  await form.getByTestId('metric-submit').click();
  await expect(form.getByTestId('error-cost_per_failure')).toContainText('is not a dollar amount');
  await form.getByTestId('input-cost_per_failure').fill('3.75');
  await form.getByTestId('metric-submit').click();
  await expect(page).toHaveURL(new RegExp(`/metrics/${key}$`));
  await expect(page.getByTestId('metric-cost')).toHaveText('$3.75');
  const change = page.getByTestId('history-cost_per_failure');
  await expect(change).toContainText('$2.50');
  await expect(change).toContainText('$3.75');
  await expect(change).toContainText('Otto Owner');
});

test('a viewer sees a metric but no edit controls, and an edit call answers 403', async ({ browser }) => {
  const owner = await browser.newPage();
  await signIn(owner, 'owner');
  const key = `tone-${unique()}`;
  await createMetric(owner, { key, name: `Tone ${key}`, cost: '1.00', review: isoDay(30) });

  const context = await browser.newContext();
  const viewer = await context.newPage();
  await signIn(viewer, 'viewer');
  await open(viewer, `${PROJECT}/metrics`);
  await expect(viewer.getByTestId(`metric-row-${key}`)).toBeVisible();
  await expect(viewer.getByTestId('new-metric')).toHaveCount(0);
  await open(viewer, `${PROJECT}/metrics/${key}`);
  await expect(viewer.getByTestId('metric-name')).toHaveText(`Tone ${key}`);
  await expect(viewer.getByTestId('edit-metric')).toHaveCount(0);
  await expect(viewer.getByTestId('retire-metric')).toHaveCount(0);

  const retire = await viewer.request.post('/api/retire_metric', {
    form: { project: 'support-bot-dach', key, reason: 'viewers may not' },
  });
  expect(retire.status()).toBe(403);
  const update = await viewer.request.post('/api/update_metric', {
    form: { project: 'support-bot-dach', key, 'input[key]': key, 'input[cost_per_failure]': '0' },
  });
  expect(update.status()).toBe(403);
  await open(viewer, `${PROJECT}/metrics/${key}`);
  await expect(viewer.getByTestId('metric-status')).toHaveText('Draft');
  await expect(viewer.getByTestId('metric-cost')).toHaveText('$1.00');
  await context.close();
});

test('the retirement queue shows an overdue metric and retiring it there works', async ({ page }) => {
  await signIn(page, 'owner');
  const key = `overdue-${unique()}`;
  await createMetric(page, { key, name: `Overdue ${key}`, cost: '0.40', review: isoDay(-3) });

  await open(page, `${PROJECT}/queue`);
  const row = page.getByTestId(`queue-row-${key}`);
  await expect(row.getByTestId('queue-why')).toHaveText('review overdue by 3 days');
  await row.getByTestId('queue-reason').fill('Never failed in 90 days');
  await row.getByTestId('queue-retire').click();
  await expect(page.getByTestId(`queue-row-${key}`)).toHaveCount(0);

  await open(page, `${PROJECT}/metrics/${key}`);
  await expect(page.getByTestId('metric-status')).toHaveText('Retired');
  await expect(page.getByTestId('metric-reason')).toHaveText('Retired: Never failed in 90 days');
  await expect(page.getByTestId('history-status')).toContainText('retired: Never failed in 90 days');
  // A retired metric stays readable and can be reactivated.
  await page.getByTestId('activate-metric').click();
  await expect(page.getByTestId('metric-status')).toHaveText('Active');
});

test('extending a review from the queue takes the metric off it', async ({ page }) => {
  await signIn(page, 'owner');
  const key = `extend-${unique()}`;
  await createMetric(page, { key, name: `Extend ${key}`, cost: '0.40', review: isoDay(-1) });
  await open(page, '/queue');
  const row = page.getByTestId(`queue-row-${key}`);
  await row.getByTestId('queue-review-date').fill(isoDay(45));
  await row.getByTestId('queue-extend').click();
  await expect(page.getByTestId(`queue-row-${key}`)).toHaveCount(0);
  await open(page, `${PROJECT}/metrics/${key}`);
  await expect(page.getByTestId('metric-review-date')).toHaveText(isoDay(45));
});

test('exported definitions import back unchanged, and an edited file updates the metric', async ({ page }) => {
  await signIn(page, 'owner');
  const key = `io-${unique()}`;
  await createMetric(page, { key, name: `Round trip ${key}`, cost: '1.25', review: isoDay(20) });

  await open(page, `${PROJECT}/metrics-as-code`);
  await page.getByTestId('export-yaml').click();
  const exported = await page.getByTestId('export-text').inputValue();
  expect(exported).toContain(`key: ${key}`);

  await page.getByTestId('import-text').fill(exported);
  await page.getByTestId('import-preview').click();
  await expect(page.getByTestId(`plan-${key}`)).toHaveText(`${key}: unchanged`);

  const edited = exported.replace(new RegExp(`(key: ${key}[\\s\\S]*?cost_per_failure: )'?1\\.25'?`), '$1\'4.00\'');
  expect(edited).not.toEqual(exported);
  await page.getByTestId('import-text').fill(edited);
  await page.getByTestId('import-preview').click();
  await expect(page.getByTestId(`plan-${key}`)).toContainText('cost_per_failure: $1.25 → $4.00');
  await page.getByTestId('import-apply').click();
  await expect(page.getByTestId('import-result')).toBeVisible();

  await open(page, `${PROJECT}/metrics/${key}`);
  await expect(page.getByTestId('metric-cost')).toHaveText('$4.00');
  await expect(page.getByTestId('history-cost_per_failure')).toContainText('$4.00');

  // A broken file is refused with the item and field named, and nothing changes.
  await open(page, `${PROJECT}/metrics-as-code`);
  await page.getByTestId('import-text').fill(edited.replace("cost_per_failure: '4.00'", "cost_per_failure: 'lots'"));
  await page.getByTestId('import-preview').click();
  await expect(page.getByTestId('import-errors')).toContainText(`(${key}), cost_per_failure`);
});

test('a new project starts with one metric from the catalogue', async ({ page }) => {
  await signIn(page, 'owner');
  const name = `Catalogue bot ${unique()}`;
  const form = page.getByTestId('project-form');
  await form.getByTestId('input-name').fill(name);
  await form.getByTestId('project-submit').click();
  const slug = name.toLowerCase().replace(/ /g, '-');
  await page.getByTestId(`project-${slug}`).click();
  await expect(page.getByTestId('start-with-one-metric')).toBeVisible();
  await page.getByTestId('add-reply-language').click();
  await expect(page).toHaveURL(new RegExp(`/projects/${slug}/metrics/reply-language$`));
  await expect(page.getByTestId('metric-cost')).toHaveText('$5.00');
});
