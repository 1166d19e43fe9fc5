import { expect, test } from '@playwright/test';
import { readFileSync } from 'fs';
import { signIn } from './helpers';

test('a manager sees what costs most on the overview and finds the German late-turn regression of prompt-v2', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await signIn(page, 'manager');
  await page.getByTestId('project-support-bot-dach').click();

  // The overview: money first, then the metric that costs most.
  const overview = page.getByTestId('overview');
  await expect(overview.getByTestId('kpi-dollars')).toContainText('$');
  const rows = overview.getByTestId('overview-table').locator('tbody tr');
  await expect(rows.first()).toHaveAttribute('data-testid', 'overview-reply-language');
  await expect(rows.first().getByTestId('row-dollars')).not.toHaveText('$0.00');
  await expect(rows.first().locator('svg.sparkline path')).toHaveAttribute('d', /^M/);

  // Another range reloads the numbers.
  await overview.getByTestId('range-7').click();
  await expect(page).toHaveURL(/days=7/);
  await expect(overview.getByTestId('kpi-dollars')).toContainText('last 7 days');

  // The dollar impact page: a stacked chart and whether each metric pays for itself.
  await overview.getByTestId('open-impact').click();
  await expect(page.getByTestId('chart').locator('canvas')).toHaveCount(1);
  await expect(page.getByTestId('impact-reply-language')).toContainText('yes');
  await page.goBack();

  // The comparison defaults to the last two versions and flags German first.
  await overview.getByTestId('open-compare').click();
  await expect(page.getByTestId('compare-a')).toHaveValue('prompt-v1');
  await expect(page.getByTestId('compare-b')).toHaveValue('prompt-v2');
  await page.getByTestId('compare-submit').click();
  await expect(page).toHaveURL(/a=prompt-v1&b=prompt-v2/);
  const german = page.getByTestId('compare-significant').getByTestId('compare-reply-language-language-de');
  await expect(german.getByTestId('verdict')).toHaveText('regression');
  await page.getByTestId('compare-all').locator('summary').click();
  await expect(page.getByTestId('compare-table').getByTestId('compare-reply-language-language-en').getByTestId('verdict')).toHaveText('no significant change');
  await expect(page.getByTestId('compare-explanation').first()).toContainText('language=de');
  await expect(page.getByTestId('compare-method')).toContainText('Benjamini–Hochberg');

  // The CSV holds the table's rows: one line per comparison, German flagged the same way.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('compare-csv').click()]);
  const lines = readFileSync(await download.path(), 'utf8').trim().split('\n');
  const tableRows = await page.getByTestId('compare-table').locator('tbody tr').count();
  expect(lines.length - 1).toBe(tableRows);
  expect(lines[0]).toContain('metric,segment_key,segment_value');
  expect(lines.some((line) => line.startsWith('reply-language,language,de,') && line.includes(',regression,'))).toBe(true);
  expect(errors).toEqual([]);
});

test('an annotator cannot read the overview or the comparison', async ({ page }) => {
  await signIn(page, 'annotator');
  await page.goto('/projects/support-bot-dach/compare?a=prompt-v1&b=prompt-v2');
  await expect(page.getByTestId('compare-table')).toHaveCount(0);
  await expect(page.getByTestId('forbidden')).toBeVisible();
});

test('the trend chart draws on the metric page, leaves no canvas behind on navigation, and follows the window size', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await signIn(page, 'manager');
  await page.goto('/projects/support-bot-dach/metrics/reply-language');
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  const chart = page.getByTestId('metric-trend').getByTestId('chart');
  await expect(chart.locator('canvas')).toHaveCount(1);
  // The canvas has something drawn on it.
  const drawn = await chart.locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
    return painted;
  });
  expect(drawn).toBeGreaterThan(1000);
  const before = await chart.boundingBox();
  await page.setViewportSize({ width: 900, height: 800 });
  await expect.poll(async () => (await chart.locator('canvas').boundingBox())!.width).toBeLessThan(before!.width);

  // Away and back through the app's own links: one chart, not two.
  await page.getByRole('link', { name: '← Metrics' }).click();
  await expect(page.getByTestId('metric-table')).toBeVisible();
  await expect(page.locator('canvas')).toHaveCount(0);
  await page.getByTestId('metric-row-reply-language').getByRole('link').click();
  await expect(page.getByTestId('metric-trend').locator('canvas')).toHaveCount(1);

  // The numbers behind the chart, with n on every point.
  await page.getByTestId('metric-trend').locator('summary').click();
  await expect(page.getByTestId('trend-table').locator('tbody tr')).toHaveCount(30);
  expect(errors).toEqual([]);
});

test('an owner changes the segment keys: a bad key is refused on the field, a good list recounts at once', async ({ page }) => {
  await signIn(page, 'owner');
  await page.goto('/projects/support-bot-dach');
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  const keys = page.getByTestId('segment-keys');
  await keys.getByTestId('input-segment-keys').fill('language, turn');
  await keys.getByTestId('segment-keys-submit').click();
  await expect(keys.getByTestId('error-segment_keys')).toContainText("neither empty nor 'turn'");
  await keys.getByTestId('input-segment-keys').fill('language, customer, channel, language');
  await keys.getByTestId('segment-keys-submit').click();
  await expect(keys.getByTestId('segment-keys-current')).toHaveText(
    'Traffic is broken down by language, customer, channel, and by conversation turn (1–4, 5+).',
  );
});
