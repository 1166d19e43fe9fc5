import { expect, test } from '@playwright/test';
import { open, signIn } from './helpers';

test('an admin sees failed sign-ins and a lock, lifts it, and reads who did what in the audit log', async ({ page, browser }) => {
  // Someone guesses a password six times: the account name is locked.
  const guesser = await browser.newPage();
  await open(guesser, '/login');
  const name = `guess${Date.now().toString(36)}`;
  for (let n = 0; n < 6; n++) {
    await guesser.getByTestId('input-username').fill(name);
    await guesser.getByTestId('input-password').fill('not the password');
    await Promise.all([
      guesser.waitForResponse((response) => response.url().includes('/api/login')),
      guesser.getByTestId('login-submit').click(),
    ]);
  }
  await expect(guesser.locator('body')).toContainText('Too many failed sign-ins');
  await guesser.close();

  await signIn(page, 'admin');
  await open(page, '/admin/users');
  const row = page.getByTestId(`lock-${name}`);
  await expect(row).toContainText('6');
  await expect(row.getByTestId('lock-until')).not.toHaveText('not locked');
  await row.getByTestId('lock-lift').click();
  await expect(row).toHaveCount(0);

  await page.getByTestId('audit-link').click();
  await expect(page).toHaveURL(/\/admin\/audit$/);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await page.getByTestId('filter-category').selectOption('sign_in');
  await page.getByTestId('filter-actor').fill(name);
  await page.getByTestId('filter-apply').click();
  await expect(page).toHaveURL(/category=sign_in/);
  const table = page.getByTestId('audit-table');
  // Five failures, the sixth locks the name, and the admin's lift (the person is "whom").
  await expect(table.locator('tbody tr')).toHaveCount(7);
  await expect(table.getByTestId('audit-action')).toHaveText([
    'Sign-in lock lifted', 'Sign-in locked', 'Sign-in failed', 'Sign-in failed', 'Sign-in failed',
    'Sign-in failed', 'Sign-in failed',
  ]);
  // Failures and the lock stand out; the lift does not.
  await expect(table.locator('tbody tr.row-alarm')).toHaveCount(6);
  await page.getByTestId('filter-category').selectOption('');
  await page.getByTestId('filter-apply').click();
  await expect(page.getByTestId('audit-table')).toContainText('Sign-in lock lifted');
  await page.screenshot({ path: 'test-results/audit-page.png', fullPage: true });
  const csv = await page.request.get((await page.getByTestId('audit-csv').getAttribute('href')) ?? '');
  expect(csv.status()).toBe(200);
  expect(await csv.text()).toContain('sign_in.lock_lifted');
});
