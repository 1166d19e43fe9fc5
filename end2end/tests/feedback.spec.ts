import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { activeMetric, createKey, open, signIn, unique } from './helpers';

const PROJECT = 'support-bot-dach';

test('feedback sent with curl shows on the output page, moves the trend and lands among the complaints, from where it goes into a dataset', async ({ page, playwright }) => {
  await signIn(page, 'owner');
  const secret = await createKey(page);
  const origin = new URL(page.url()).origin;
  const auth = { Authorization: `Bearer ${secret}` };
  const client = await playwright.request.newContext({ baseURL: origin });
  const run = unique();
  const metric = `e2e-thumbs-${run}`;
  await activeMetric(client, auth, {
    key: metric, name: `Thumbs ${run}`, question: 'Do customers find the replies helpful?', paradigm: 'human',
    category: 'quality', cadence: 'async', action_on_failure: 'flag',
    scorer: { kind: 'user_feedback', scale: { type: 'thumbs' } }, pass_rule: { threshold: '1', direction: 'at_least' },
    stage: 'crawl', owner: 'owner', cost_per_failure: '1.00', review_date: '2030-01-31', tags: ['e2e'],
  });
  const version = `e2e-fb-${run}`;
  const sent = await client.post(`/api/v1/projects/${PROJECT}/outputs`, {
    headers: auth,
    data: [
      { version, external_id: `${run}-1`, input: 'Wie kündige ich?', output: 'You can cancel online.', metadata: { language: 'de' } },
      { version, external_id: `${run}-2`, input: 'Wann kommt mein Geld?', output: 'Innerhalb von vierzehn Tagen.', metadata: { language: 'de' } },
    ],
  });
  expect(sent.status(), await sent.text()).toBe(201);
  const outputId = (await sent.json()).outputs[0].id;
  await client.dispose();

  // Before any feedback, the metric's trend has nothing today.
  await open(page, `/projects/${PROJECT}/metrics/${metric}`);
  await expect(page.getByTestId('trend-table')).toBeAttached();
  await expect(page.getByTestId('trend-table').locator('tbody tr').last()).toContainText('—');

  // The chat widget's thumbs, as curl would send them.
  const body = JSON.stringify([
    { id: `fb-${run}-1`, external_id: `${run}-1`, metric, value: false, comment: `this is in English?! ${run}`, user: `u-${run}` },
    { id: `fb-${run}-2`, external_id: `${run}-2`, metric, value: 'up', user: `u-${run}` },
  ]);
  const answer = execFileSync('curl', ['-sS', '-X', 'POST', `${origin}/api/v1/projects/${PROJECT}/feedback`,
    '-H', `Authorization: Bearer ${secret}`, '-H', 'Content-Type: application/json', '-d', body]).toString();
  expect(JSON.parse(answer), answer).toMatchObject({ accepted: 2, scores: 2 });

  await open(page, `/projects/${PROJECT}/outputs/${outputId}`);
  const row = page.getByTestId('feedback-row');
  await expect(row.getByTestId('feedback-answer')).toHaveText('thumbs down');
  await expect(row.getByTestId('feedback-comment')).toHaveText(`this is in English?! ${run}`);
  await expect(page.getByTestId(`score-${metric}`).getByTestId('score-verdict')).toHaveText('failed');
  await expect(page.getByText(`u-${run}`)).toHaveCount(0);

  // Today's point of the trend: two verdicts, one failure.
  await open(page, `/projects/${PROJECT}/metrics/${metric}`);
  const today = page.getByTestId('trend-table').locator('tbody tr').last();
  await expect(today.locator('td').nth(3)).toHaveText('2');
  await expect(today.locator('td').nth(4)).toHaveText('1');

  // The complaint is listed, found by its words, and can go to an annotation queue.
  await open(page, `/projects/${PROJECT}`);
  await page.getByTestId('project-feedback').click();
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await page.getByTestId('filter-metric').selectOption(metric);
  await page.getByTestId('feedback-search').fill(run);
  await page.getByTestId('feedback-apply').click();
  await expect(page.getByTestId('comment-row')).toHaveCount(1);
  await expect(page.getByTestId('comment-text')).toHaveText(`this is in English?! ${run}`);
  // The complained-about output goes into a dataset, keeping its link.
  const complaints = page.url();
  const dataset = `e2e-complaints-${run}`;
  await open(page, `/projects/${PROJECT}/datasets`);
  await page.getByTestId('dataset-form').getByTestId('input-name').fill(dataset);
  await page.getByTestId('dataset-submit').click();
  await expect(page.getByTestId('dataset-created')).toBeVisible();
  await open(page, complaints);
  const bar = page.getByTestId('add-to-dataset');
  await bar.getByTestId('target-dataset').selectOption(dataset);
  await bar.getByTestId('add-selected').click();
  await expect(bar.getByTestId('added-to-dataset')).toHaveText(`Added 1 as version 1 of ${dataset} (0 already in it).`);
  await open(page, `/projects/${PROJECT}/datasets/${dataset}`);
  await expect(page.getByTestId(`item-output-${outputId}`)).toContainText(`output ${outputId}`);
  await open(page, complaints);
  await page.getByTestId('feedback-to-queue').click();
  await expect(page).toHaveURL(/sampling=negative_feedback/);
  await expect(page.getByTestId('input-sampling')).toHaveValue('negative_feedback');
  await expect(page.getByTestId('input-feedback_metric')).toHaveValue(metric);
});
