import { expect, test } from '@playwright/test';
import { createKey, delveMetric, open, signIn, unique } from './helpers';

const PROJECT = 'support-bot-dach';

test('an A/B test says keep collecting until both arms have their sample, then declares the winner', async ({ page, playwright }) => {
  await signIn(page, 'owner');
  const secret = await createKey(page);
  const auth = { Authorization: `Bearer ${secret}` };
  const client = await playwright.request.newContext({ baseURL: new URL(page.url()).origin });
  const run = unique();
  const metric = `e2e-ab-delve-${run}`;
  await delveMetric(client, auth, metric);
  const [control, variant] = [`ab-a-${run}`, `ab-b-${run}`];
  // The test ran from four days ago; its traffic is three days old, so the sample is reached on a
  // day whose late feedback is in (results are read two days after the horizon).
  const day = 24 * 3600 * 1000;
  const timestamp = new Date(Date.now() - 3 * day).toISOString();
  const startedOn = new Date(Date.now() - 4 * day).toISOString().slice(0, 10);
  // Outputs of `version`, the i-th from users[i] (none: outputs that name no user).
  const traffic = async (version: string, n: number, failing: number, users: string[] = []) => {
    const data = Array.from({ length: n }, (_, i) => ({
      version, input: 'Wie kündige ich?', metadata: { language: 'de' }, timestamp, user: users[i],
      output: i < failing ? 'Let us delve into your contract.' : 'Im Kundenkonto unter Verträge.',
    }));
    const sent = await client.post(`/api/v1/projects/${PROJECT}/outputs`, { headers: auth, data });
    expect(sent.status(), await sent.text()).toBe(201);
  };
  await traffic(control, 1, 0);
  await traffic(variant, 1, 0);

  // The manager designs the test in the form: 50% → 80% needs 38 independent verdicts per arm,
  // and with no earlier traffic naming its users, 38 users.
  await signIn(page, 'manager');
  await open(page, `/projects/${PROJECT}/experiments`);
  const form = page.getByTestId('experiment-form');
  await form.getByTestId('input-key').fill(`ab-${run}`);
  await form.getByTestId('input-name').fill(`Fewer machine words ${run}`);
  await form.getByTestId('input-versions').fill(`${control}`);
  await form.getByTestId('input-primary').selectOption(metric);
  await form.getByTestId('input-baseline').fill('50%');
  await form.getByTestId('input-minimum_change').fill('30%');
  await form.getByTestId('input-started_on').fill(startedOn);
  await form.getByTestId('experiment-submit').click();
  await expect(page.getByTestId('error-versions')).toContainText('two versions');
  await form.getByTestId('input-versions').fill(`${control}, ${variant}`);
  await form.getByTestId('experiment-submit').click();
  await page.getByTestId('experiment-created').getByRole('link').click();
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await expect(page.getByTestId('kpi-sample')).toContainText('38');
  await expect(page.getByTestId('kpi-sample')).toContainText('users needed per arm');
  await expect(page.getByTestId('experiment-design')).toContainText('38 independent verdicts per arm detect a change of 30 points from a pass rate of 50%');
  await expect(page.getByTestId('experiment-design')).toContainText('each arm needs 38 users');

  // A client splits users between the arms, each always in the same one.
  const armOf = async (user: string) =>
    (await (await client.get(`/api/v1/projects/${PROJECT}/experiments/ab-${run}/arm?user=${user}`, { headers: auth })).json()).version;
  const first = await armOf('u-7');
  expect([control, variant]).toContain(first);
  expect(await armOf('u-7')).toEqual(first);
  const users: Record<string, string[]> = { [control]: [], [variant]: [] };
  for (let i = 0; users[control].length < 41 || users[variant].length < 41; i++) {
    const user = `u-${run}-${i}`;
    users[await armOf(user)].push(user);
  }
  // One user per arm so far; the outputs sent before named no user and are left out.
  await traffic(control, 1, 0, users[control].slice(40));
  await traffic(variant, 1, 0, users[variant].slice(40));
  await page.reload();
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await expect(page.getByTestId('experiment-verdict')).toContainText('Keep collecting');
  await expect(page.getByTestId('arm-progress').first()).toContainText('1 of 38');
  await expect(page.getByTestId('experiment-results')).toHaveCount(0);
  await expect(page.getByTestId('experiment-units')).toContainText(control);
  await expect(page.getByTestId('experiment-srm')).toContainText('Sample ratio check passed');

  // Seeded traffic, each output from another user of its arm: the control fails half the time,
  // the variant one in ten.
  await traffic(control, 40, 20, users[control]);
  await traffic(variant, 40, 4, users[variant]);
  await client.dispose();
  await page.reload();
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await expect(page.getByTestId('experiment-verdict')).toContainText(`${variant} is better than ${control}`);
  await expect(page.getByTestId('experiment-verdict')).toContainText('ship it');
  await expect(page.getByTestId('experiment-outcome')).toHaveText('better');
  await expect(page.locator('#experiment-chart canvas')).toHaveCount(1);

  await open(page, `/projects/${PROJECT}/experiments`);
  await expect(page.getByTestId(`experiment-ab-${run}`).getByTestId('experiment-standing')).toHaveText(`ship ${variant}`);
});
