import { APIRequestContext, expect, Page } from '@playwright/test';

/** The password of every demo user (server/src/demo.rs). */
export const DEMO_PASSWORD = 'vernier-demo';

/** A suffix that keeps names unique across runs against the same database. */
export const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

/** The Content-Security-Policy violations Chromium reported on a page so far. */
const violations = new WeakMap<Page, string[]>();

/** Starts collecting the page's CSP violations (once per page). */
export function watchPolicy(page: Page): string[] {
  let seen = violations.get(page);
  if (!seen) {
    const list: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) list.push(message.text());
    });
    violations.set(page, list);
    seen = list;
  }
  return seen;
}

/** Opens a page and waits until the WASM app has hydrated it, so typing is handled by Leptos;
 * fails if the page broke its Content-Security-Policy. */
export async function open(page: Page, path: string) {
  const seen = watchPolicy(page);
  await page.goto(path);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  expect(seen, 'Content-Security-Policy violations').toEqual([]);
}

/** Signs in through the login form and waits for the home page. */
export async function signIn(page: Page, username: string, password = DEMO_PASSWORD) {
  await open(page, '/login');
  await page.getByTestId('input-username').fill(username);
  await page.getByTestId('input-password').fill(password);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('whoami')).toBeVisible();
  await expect(page).toHaveURL(/\/(maturity)?$/);
}

/** Creates a user through the admin's user form (the admin page must be open). */
export async function createUser(admin: Page, user: { username: string; password: string; role: string; displayName?: string }) {
  const form = admin.getByTestId('user-form');
  await form.getByTestId('input-username').fill(user.username);
  await form.getByTestId('input-display_name').fill(user.displayName ?? '');
  await form.getByTestId('input-password').fill(user.password);
  await form.getByTestId('input-role').selectOption(user.role);
  await form.getByTestId('user-submit').click();
  await expect(admin.getByTestId(`user-${user.username}`)).toBeVisible();
}

/** Adds `username` to a project with `role` through its Members page, as an owner or admin. */
export async function addMember(owner: Page, project: string, username: string, role: string) {
  await open(owner, `/projects/${project}/members`);
  const form = owner.getByTestId('member-form');
  await form.getByTestId('input-username').selectOption(username);
  await form.getByTestId('input-role').selectOption(role);
  await form.getByTestId('member-submit').click();
  await expect(owner.getByTestId(`member-${username}`)).toBeVisible();
}

/** Creates an API key on the project's page and returns its secret. */
export async function createKey(page: Page, project = 'support-bot-dach'): Promise<string> {
  await open(page, `/projects/${project}`);
  await page.getByTestId('project-keys').click();
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await page.getByTestId('key-form').getByTestId('input-name').fill(`e2e-${unique()}`);
  await page.getByTestId('key-submit').click();
  return (await page.getByTestId('new-key-secret').textContent()) ?? '';
}

/** Creates the metric `doc` (a metric document, as the REST API takes it) and activates it. */
export async function activeMetric(client: APIRequestContext, auth: Record<string, string>, doc: Record<string, unknown>, project = 'support-bot-dach') {
  const created = await client.post(`/api/v1/projects/${project}/metrics`, { headers: auth, data: doc });
  expect(created.status(), await created.text()).toBe(201);
  const activated = await client.post(`/api/v1/projects/${project}/metrics/${doc.key}/activate`, { headers: auth });
  expect(activated.status()).toBe(200);
}

/** Creates and activates a "never says delve" metric under `key`, through the REST API. */
export async function delveMetric(client: APIRequestContext, auth: Record<string, string>, key: string, project = 'support-bot-dach') {
  await activeMetric(client, auth, {
    key, name: `No delve ${key}`, question: 'Do replies sound machine-written?', paradigm: 'model',
    category: 'quality', cadence: 'real-time', action_on_failure: 'retry',
    scorer: { kind: 'not_contains', words: ['delve'] }, pass_rule: { threshold: '1', direction: 'at_least' },
    stage: 'crawl', owner: 'owner', cost_per_failure: '0.50', review_date: '2030-01-31', tags: ['e2e'],
  }, project);
}
