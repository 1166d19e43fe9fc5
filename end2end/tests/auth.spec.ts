import { expect, test } from '@playwright/test';
import { DEMO_PASSWORD, open, signIn } from './helpers';

test('a user signs in, sees their name and role, and signs out', async ({ page }) => {
  await signIn(page, 'owner');
  await expect(page.getByTestId('whoami')).toHaveText('Otto Owner');
  await expect(page.getByTestId('whoami-role')).toHaveText('Owner');
  await expect(page.getByTestId('nav-users')).toHaveCount(0);

  await page.getByTestId('logout').click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId('whoami')).toHaveCount(0);

  // The session is gone on the server: a fresh load of a protected page goes to sign-in.
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
});

test('a wrong password is reported next to the password field', async ({ page }) => {
  await open(page, '/login');
  await page.getByTestId('input-username').fill('admin');
  await page.getByTestId('input-password').fill('not the password');
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('error-password')).toHaveText('Wrong username or password.');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId('whoami')).toHaveCount(0);
});

test('an anonymous visitor is sent to sign in', async ({ page }) => {
  await page.goto('/admin/users');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId('login-form')).toBeVisible();
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  // and the sign-in works from there
  await page.getByTestId('input-username').fill('manager');
  await page.getByTestId('input-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('whoami')).toHaveText('Mia Manager');
});
