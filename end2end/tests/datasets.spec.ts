import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { createKey, open, signIn, unique } from './helpers';

const PROJECT = 'support-bot-dach';

/** Picks `text` as the import's file and waits until the browser has read it. */
async function chooseFile(page: import('@playwright/test').Page, name: string, text: string, expected: RegExp) {
  await page.getByTestId('import-file').setInputFiles({ name, mimeType: 'application/x-ndjson', buffer: Buffer.from(text) });
  await expect(page.getByTestId('import-text')).toHaveValue(expected);
}

test('an owner imports a golden set (a bad line is named, then fixed), runs it with curl and reads its health', async ({ page }) => {
  const run = unique();
  const name = `e2e-golden-${run}`;
  await signIn(page, 'owner');
  await open(page, `/projects/${PROJECT}/datasets`);
  await page.getByTestId('dataset-form').getByTestId('input-name').fill(name);
  await page.getByTestId('dataset-submit').click();
  await page.getByTestId('dataset-created').getByRole('link').click();
  await expect(page.getByTestId('dataset-name')).toHaveText(name);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();

  // Line 2 has a tag Vernier does not know: the file is refused whole, the line and field named.
  const good = [
    { id: 'kuendigen', input: 'Wie kündige ich meinen Vertrag?', expected_output: 'Im Kundenkonto unter Verträge.', tags: { language: 'de', topic: 'contract' } },
    { id: 'kuendigen-2', input: 'wie KÜNDIGE ich meinen Vertrag', tags: { language: 'de', topic: 'contract' } },
    { id: 'guthaben', input: 'Wann bekomme ich mein Guthaben zurück?', tags: { language: 'de', topic: 'billing' } },
  ].map((item) => JSON.stringify(item));
  const bad = [good[0], '{"id": "x", "input": "Hallo", "tags": {"mood": "sad"}}', good[1], good[2]].join('\n');
  await chooseFile(page, 'golden.jsonl', bad, /mood/);
  await page.getByTestId('import-preview').click();
  await expect(page.getByTestId('import-refused')).toContainText('nothing was stored');
  const error = page.getByTestId('import-errors').locator('tbody tr');
  await expect(error).toHaveCount(1);
  await expect(error.locator('td').nth(0)).toHaveText('2');
  await expect(error.locator('td').nth(1)).toHaveText('tags.mood');
  await expect(page.getByTestId('dataset-items')).toHaveText('0');

  // Fixed, previewed, then imported as version 1.
  await chooseFile(page, 'golden.jsonl', good.join('\n'), /guthaben/);
  await page.getByTestId('import-preview').click();
  await expect(page.getByTestId('import-summary')).toHaveText('Version 1 would have 3 added, 0 changed, 0 unchanged, 0 removed: 3 items.');
  await expect(page.getByTestId('import-sample').locator('tbody tr')).toHaveCount(3);
  await page.getByTestId('import-apply').click();
  await expect(page.getByTestId('import-done')).toContainText('Imported as version 1');
  await expect(page.getByTestId('dataset-items')).toHaveText('3');
  await expect(page.getByTestId('item-kuendigen-2')).toBeVisible();

  // A run on version 1, sent with curl as the README shows; its page reads the verdicts.
  const secret = await createKey(page);
  const origin = new URL(page.url()).origin;
  const records = ['kuendigen', 'kuendigen-2', 'guthaben'].map((item, i) => JSON.stringify({
    version: 'prompt-v2', dataset: name, dataset_version: 1, item_id: item, run: `${name}-run`,
    output: i === 0 ? 'You can cancel your contract online in your customer account at any time.' : 'Sie können Ihren Vertrag jederzeit online im Kundenkonto kündigen.',
  })).join('\n');
  const answer = execFileSync('curl', ['-sS', '-X', 'POST', `${origin}/api/v1/projects/${PROJECT}/outputs`,
    '-H', `Authorization: Bearer ${secret}`, '-H', 'Content-Type: application/x-ndjson', '--data-binary', records]).toString();
  expect(JSON.parse(answer), answer).toMatchObject({ accepted: 3 });
  await open(page, `/projects/${PROJECT}/runs/${name}-run`);
  await expect(page.getByTestId('run-metric-reply-language')).toContainText('66.7%');
  await expect(page.getByTestId('result-kuendigen').locator('td.fail')).toHaveCount(1);

  // Health: the exact duplicate pair, and English (half of production) with no item.
  await open(page, `/projects/${PROJECT}/datasets/${name}/health`);
  const warnings = page.getByTestId('health-warnings');
  await expect(warnings).toContainText('1 near-duplicate pair (1 exact)');
  await expect(warnings).toContainText(/language=en is \d+\.\d% of production but has 0 items/);
  await expect(page.getByTestId('duplicate-kuendigen-kuendigen-2')).toContainText('exact');
  // German has its three items, still under the five a segment of that size needs.
  await expect(page.getByTestId('coverage-language-de').locator('td').nth(2)).toHaveText('3');
  await expect(page.getByTestId('coverage-language-de')).toContainText('too few');
  // The thresholds are adjustable: needing no items per segment clears the coverage warnings.
  await page.getByTestId('threshold-coverage_items').fill('0');
  await page.getByTestId('threshold-apply').click();
  await expect(page).toHaveURL(/coverage_items=0/);
  await expect(page.getByTestId('health-warnings')).not.toContainText('language=en');
  await expect(page.getByTestId('health-warnings')).toContainText('near-duplicate');
});

test('failed German replies of prompt-v2 go from the outputs browser into a dataset, each keeping its link', async ({ page }) => {
  const name = `e2e-failed-${unique()}`;
  await signIn(page, 'owner');
  await open(page, `/projects/${PROJECT}/datasets`);
  await page.getByTestId('dataset-form').getByTestId('input-name').fill(name);
  await page.getByTestId('dataset-submit').click();
  await expect(page.getByTestId('dataset-created')).toBeVisible();

  await open(page, `/projects/${PROJECT}/outputs?version=prompt-v2&source=production&segment=language%3Dde&metric=reply-language&verdict=fail`);
  const bar = page.getByTestId('add-to-dataset');
  await bar.getByTestId('target-dataset').selectOption(name);
  await expect(bar.getByTestId('add-selected')).toBeDisabled();
  const boxes = page.getByTestId('select-output');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await expect(bar.getByTestId('add-selected')).toHaveText('Add 2 selected to the dataset');
  await bar.getByTestId('add-selected').click();
  await expect(bar.getByTestId('added-to-dataset')).toHaveText(`Added 2 as version 1 of ${name} (0 already in it).`);
  await bar.getByTestId('add-matching').click();
  await expect(bar.getByTestId('added-to-dataset')).toContainText(`as version 2 of ${name} (2 already in it)`);

  await open(page, `/projects/${PROJECT}/datasets/${name}`);
  const count = Number(await page.getByTestId('dataset-items').textContent());
  expect(count).toBeGreaterThan(2);
  const first = page.getByTestId('item-table').locator('tbody tr').first();
  await expect(first).toContainText(/output \d+/);
  await expect(first).toContainText('de');
});

test('a viewer compares the two seeded runs item by item and reads the newly failing items and the p-value', async ({ page }) => {
  await signIn(page, 'viewer');
  await open(page, `/projects/${PROJECT}/datasets`);
  await expect(page.getByTestId('dataset-form')).toHaveCount(0);
  await expect(page.getByTestId('run-prompt-v1-golden')).toContainText('golden-support v1');
  await page.getByTestId('compare-first').selectOption('prompt-v1-golden');
  await page.getByTestId('compare-second').selectOption('prompt-v2-golden');
  await page.getByTestId('compare-runs').click();
  await expect(page).toHaveURL(/compare-runs\?first=prompt-v1-golden&second=prompt-v2-golden/);
  const language = page.getByTestId('paired-reply-language');
  await expect(language.getByTestId('paired-verdict')).toContainText('prompt-v2-golden is worse');
  await expect(language.getByTestId('paired-p')).toHaveText('0.0039');
  await expect(language.getByTestId('newly-failing-count')).toHaveText('9');
  await expect(language.getByTestId('newly-failing')).toContainText('frist-spaet-zero-shot');
  await expect(page.getByTestId('summary-no-delve')).toContainText('no significant change');
  await expect(page.getByTestId('compare-summary').locator('tbody tr').first()).toHaveAttribute('data-testid', 'summary-reply-language');

  // The candidate's own page: the zero-shot variant is the worst, one case flips.
  await open(page, `/projects/${PROJECT}/runs/prompt-v2-golden`);
  const variants = page.getByTestId('variants-reply-language');
  await expect(variants.getByTestId('worst-variant')).toHaveText('zero-shot');
  await expect(variants.getByTestId('robustness')).toHaveText('88.9%');
  await expect(variants.getByTestId('flips')).toContainText('disdetta');
  // The golden set page reads, without import or edit controls.
  await open(page, `/projects/${PROJECT}/datasets/golden-support`);
  await expect(page.getByTestId('dataset-items')).toHaveText('27');
  await expect(page.getByTestId('import')).toHaveCount(0);
});
