import { expect, Page, test } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { open, signIn, unique } from './helpers';

const PROJECT = 'support-bot-dach';

type Received = { signature: string; body: string };

/** A local webhook receiver on a free port: answers 200 and keeps what it got. */
async function receiver(): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      got.push({ signature: String(request.headers['x-vernier-signature'] ?? ''), body });
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, got, server };
}

/** Creates an API key on the project's keys page and returns its secret. */
async function createKey(page: Page): Promise<string> {
  await open(page, `/projects/${PROJECT}/api-keys`);
  await page.getByTestId('key-form').getByTestId('input-name').fill(`alerts-${unique()}`);
  await page.getByTestId('key-submit').click();
  return (await page.getByTestId('new-key-secret').textContent()) ?? '';
}

test('an owner tunes a German monitor on its backtest, and failing German replies reach the webhook', async ({ page, playwright }) => {
  test.setTimeout(120_000);
  const hook = await receiver();
  const suffix = unique();
  await signIn(page, 'owner');

  // The demo's own monitor already fires on the prompt-v2 regression: the header says so.
  await expect(page.getByTestId('alert-badge')).toContainText('open alert');
  await open(page, `/projects/${PROJECT}/alerts`);
  await expect(page.getByTestId('open-alerts-table')).toContainText('German replies in German');

  // A webhook channel to the local receiver; its signing secret is shown once.
  const channel = `E2E hook ${suffix}`;
  const form = page.getByTestId('channel-form');
  await form.getByTestId('input-name').fill(channel);
  await form.getByTestId('input-kind').selectOption('webhook');
  await form.getByTestId('input-url').fill(hook.url);
  await form.getByTestId('save-channel').click();
  const secret = (await page.getByTestId('channel-secret').textContent()) ?? '';
  expect(secret).toMatch(/^whsec_/);
  await expect(page.getByTestId('channels-table')).toContainText(channel);

  // A monitor on reply-language for German replies; the backtest fires at the v2 deployment.
  await page.getByTestId('new-monitor').click();
  await expect(page.getByTestId('monitor-form')).toBeVisible();
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  const name = `German replies ${suffix}`;
  await page.getByTestId('input-name').fill(name);
  await page.getByTestId('input-metric').selectOption('reply-language');
  await page.getByTestId('input-segment').fill('language=de');
  await page.getByTestId('input-window').fill('60');
  await page.getByTestId('input-threshold').fill('20%');
  await page.getByTestId('input-recovery').fill('10%');
  await page.getByTestId('input-min_sample').fill('5');
  await page.getByTestId('input-for_evaluations').fill('1');
  await expect(page.getByTestId(`channel-${channel}`)).toBeChecked();
  await page.getByTestId('run-backtest').click();
  await expect(page.getByTestId('backtest-summary')).toContainText('would have fired');
  const firings = Number(await page.getByTestId('backtest-firings').textContent());
  expect(firings).toBeGreaterThan(0);
  // The first firing falls on the day prompt-v2 went live (six days ago), give or take a day.
  const first = (await page.getByTestId('backtest-first').textContent()) ?? '';
  const [month, day] = first.split(' ')[0].split('-').map(Number);
  const year = new Date().getUTCFullYear();
  let fired = Date.UTC(year, month - 1, day);
  if (fired > Date.now() + 86_400_000) fired = Date.UTC(year - 1, month - 1, day);
  const deployed = Date.now() - 6 * 86_400_000;
  expect(Math.abs(fired - deployed)).toBeLessThan(2 * 86_400_000);
  await expect(page.getByTestId('backtest').getByTestId('chart')).toBeVisible();
  await page.getByTestId('save-monitor').click();
  await expect(page).toHaveURL(new RegExp(`/projects/${PROJECT}/alerts$`));
  await expect(page.getByTestId('monitors-table')).toContainText(name);

  // Failing German replies arrive: within seconds the monitor fires, in the UI and at the hook.
  const key = await createKey(page);
  const client = await playwright.request.newContext({ baseURL: new URL(page.url()).origin });
  const records = Array.from({ length: 8 }, (_, i) => ({
    version: 'prompt-v2',
    external_id: `alerts-e2e-${suffix}-${i}`,
    input: 'Wie kündige ich meinen Vertrag?',
    output: 'You can cancel your contract online in your customer account at any time.',
    metadata: { language: 'de' },
  }));
  const sent = await client.post(`/api/v1/projects/${PROJECT}/outputs`, {
    headers: { Authorization: `Bearer ${key}` },
    data: records,
  });
  expect(sent.status()).toBe(201);
  await expect
    .poll(() => hook.got.filter((r) => r.body.includes(name)).length, { timeout: 30_000 })
    .toBeGreaterThan(0);
  const delivered = hook.got.find((r) => r.body.includes(name))!;
  const body = JSON.parse(delivered.body);
  expect(body.state).toBe('firing');
  expect(body.monitor.segment).toBe('language=de');
  expect(body.metric.key).toBe('reply-language');
  const [t, v1] = delivered.signature.split(',').map((part) => part.split('=')[1]);
  expect(createHmac('sha256', secret).update(`${t}.${delivered.body}`).digest('hex')).toBe(v1);

  await open(page, `/projects/${PROJECT}/alerts`);
  const row = page.getByTestId('open-alert').filter({ hasText: name });
  await expect(row.getByTestId('monitor-state')).toHaveText('Firing');
  await expect(page.getByTestId('deliveries-table')).toContainText(`${name}: Firing`);
  await row.getByTestId('acknowledge').click();
  await expect(page.getByTestId('open-alert').filter({ hasText: name })).toHaveCount(0);
  await expect(page.getByTestId('alert-event').filter({ hasText: name }).first().getByTestId('acknowledged-by')).toContainText('Otto Owner');
  // The receiver goes away with the test, so its channel goes too.
  await page.getByTestId('channel-row').filter({ hasText: channel }).getByTestId('delete-channel').click();
  await expect(page.getByTestId('channels-table').or(page.getByTestId('channels-table-empty'))).not.toContainText(channel);
  hook.server.close();
});

test('a viewer reads alerts but cannot change monitors or channels', async ({ page }) => {
  await signIn(page, 'viewer');
  await open(page, `/projects/${PROJECT}/alerts`);
  await expect(page.getByTestId('monitors-table')).toContainText('German replies in German');
  await expect(page.getByTestId('new-monitor')).toHaveCount(0);
  await expect(page.getByTestId('channel-form')).toHaveCount(0);
  await expect(page.getByTestId('acknowledge')).toHaveCount(0);
});
