import { expect, Page } from '@playwright/test';

/** The password of every demo user (server/src/demo.rs). */
export const DEMO_PASSWORD = 'vernier-demo';

/** A suffix that keeps names unique across runs against the same database. */
export const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

/** Opens a page and waits until the WASM app has hydrated it, so typing is handled by Leptos. */
export async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
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
