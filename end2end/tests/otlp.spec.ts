import { expect, test } from '@playwright/test';
import { open, signIn, unique } from './helpers';

test('an owner sends spans with a key and sees on the OpenTelemetry page what each became, then changes the mapping', async ({ page, playwright }) => {
  await signIn(page, 'owner');
  await open(page, '/projects/support-bot-dach/api-keys');
  await page.getByTestId('key-form').getByTestId('input-name').fill(`otel-${unique()}`);
  await page.getByTestId('key-submit').click();
  const secret = (await page.getByTestId('new-key-secret').textContent()) ?? '';
  expect(secret).toMatch(/^vk_/);

  // An OTLP/JSON export: one chat span, one HTTP span, one chat span without a reply.
  const id = Date.now().toString(16).padStart(12, '0').slice(-12);
  const attributes = (pairs: Record<string, string>) =>
    Object.entries(pairs).map(([key, value]) => ({ key, value: { stringValue: value } }));
  const spans = [
    { traceId: 'ab'.repeat(16), spanId: `aaaa${id}`, name: 'chat gpt-4o', attributes: attributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: 'Wo ist meine Rechnung?' }]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', content: 'Im Kundenkonto unter „Rechnungen“.' }]),
      'user.locale': 'de-DE',
    }) },
    { traceId: 'ab'.repeat(16), spanId: `bbbb${id}`, name: 'GET /invoices', attributes: attributes({ 'http.request.method': 'GET' }) },
    { traceId: 'ab'.repeat(16), spanId: `cccc${id}`, name: 'chat gpt-4o', attributes: attributes({ 'gen_ai.operation.name': 'chat' }) },
  ];
  const client = await playwright.request.newContext({ baseURL: new URL(page.url()).origin });
  const sent = await client.post('/v1/traces', {
    headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
    data: { resourceSpans: [{ resource: { attributes: attributes({ 'service.version': 'otel-e2e' }) }, scopeSpans: [{ spans }] }] },
  });
  expect(sent.status()).toBe(200);
  const answer = await sent.json();
  expect(String(answer.partialSuccess.rejectedSpans)).toBe('1');
  await client.dispose();

  await open(page, '/projects/support-bot-dach');
  await page.getByTestId('project-otlp').click();
  await expect(page).toHaveURL(/\/otlp$/);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await expect(page.getByTestId('otlp-env')).toContainText('/v1/traces');
  const newest = page.getByTestId('otlp-batches').locator('tbody tr').first();
  await expect(newest).toContainText('json');
  await expect(newest.getByTestId('otlp-ignored')).toContainText('1 × not a GenAI span');
  await expect(newest.getByTestId('otlp-refused')).toContainText(`cccc${id}`);
  await expect(newest.getByTestId('otlp-refused')).toContainText('no reply found');
  await page.getByTestId('otlp-attributes').locator('summary').click();
  await expect(page.getByTestId('otlp-attributes')).toContainText('http.request.method');
  await page.screenshot({ path: 'test-results/otlp-page.png', fullPage: true });

  // A bad mapping line is named; a good one is kept.
  const form = page.getByTestId('otlp-mapping-form');
  await form.getByTestId('input-segments').fill('user.locale = language\nno equals sign');
  await page.getByTestId('otlp-mapping-submit').click();
  await expect(form).toContainText('line 2');
  await form.getByTestId('input-segments').fill('user.locale = language\napp.customer = customer');
  await page.getByTestId('otlp-mapping-submit').click();
  await expect(page.getByTestId('otlp-mapping')).toContainText('app.customer → customer');
});

test('a viewer cannot open the OpenTelemetry page', async ({ page }) => {
  await signIn(page, 'viewer');
  const response = await page.goto('/projects/support-bot-dach/otlp');
  expect(response?.status()).toBe(403);
});
