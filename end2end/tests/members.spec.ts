import { expect, test } from '@playwright/test';
import { createUser, open, signIn, unique } from './helpers';

test("an owner of one project cannot open another project's metrics: 404 in the page and from the server function", async ({ page }) => {
  await signIn(page, 'owner');
  await expect(page.getByTestId('project-support-bot-dach')).toBeVisible();
  await expect(page.getByTestId('project-legal-assistant')).toHaveCount(0);

  const response = await page.goto('/projects/legal-assistant/metrics');
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId('not-found')).toContainText("Project 'legal-assistant' was not found.");
  const direct = await page.request.post('/api/list_metrics', {
    form: { project: 'legal-assistant', 'filter[status]': '', 'filter[stage]': '', 'filter[cadence]': '', 'filter[category]': '', 'filter[owner]': '', 'filter[tag]': '', 'filter[q]': '' },
  });
  expect(direct.status()).toBe(404);
  // The same answer as for a project that does not exist: its existence is not revealed.
  const missing = await page.goto('/projects/no-such-project/metrics');
  expect(missing?.status()).toBe(404);
});

test('an owner adds a member, changes the role, cannot remove the last owner, and every change is recorded; the removed member loses access at once', async ({ browser }) => {
  const admin = await browser.newPage();
  await signIn(admin, 'admin');
  await open(admin, '/admin/users');
  const username = `member-${unique()}`;
  await createUser(admin, { username, password: 'member-password', role: 'viewer' });

  const owner = await browser.newPage();
  await signIn(owner, 'owner');
  await open(owner, '/projects/support-bot-dach');
  await owner.getByTestId('project-members').click();
  await expect(owner.getByTestId('member-table')).toBeVisible();
  await expect(owner).toHaveURL(/\/members$/);
  await expect(owner.locator('body[data-hydrated="true"]')).toBeAttached();

  // Adding nobody is refused next to the user field.
  const form = owner.getByTestId('member-form');
  await form.getByTestId('member-submit').click();
  await expect(form.getByTestId('error-username')).toHaveText('choose a user');

  await form.getByTestId('input-username').selectOption(username);
  await form.getByTestId('input-role').selectOption('viewer');
  await form.getByTestId('member-submit').click();
  const row = owner.getByTestId(`member-${username}`);
  await expect(row.getByTestId('member-role').getByTestId('input-role')).toHaveValue('viewer');

  // The new viewer reads the project's metrics.
  const member = await browser.newPage();
  await signIn(member, username, 'member-password');
  await expect(member.getByTestId('project-role-support-bot-dach')).toHaveText('Viewer');
  const before = await member.goto('/projects/support-bot-dach/metrics');
  expect(before?.status()).toBe(200);

  await row.getByTestId('input-role').selectOption('manager');
  await row.getByTestId('change-member-role').click();
  await expect(owner.getByTestId('member-history')).toContainText('Viewer → Manager');

  // The last owner can be neither demoted nor removed.
  const ownerRow = owner.getByTestId('member-owner');
  await ownerRow.getByTestId('remove-member').click();
  await expect(owner.getByTestId('form-error')).toContainText("last owner");
  await expect(ownerRow).toBeVisible();

  await owner.getByTestId(`member-${username}`).getByTestId('remove-member').click();
  await expect(owner.getByTestId(`member-${username}`)).toHaveCount(0);
  await expect(owner.getByTestId('member-history')).toContainText('removed (was Manager)');
  await expect(owner.getByTestId('member-history')).toContainText(`added as Viewer`);

  // Still signed in, but the project is gone for them from the next request on.
  const after = await member.goto('/projects/support-bot-dach/metrics');
  expect(after?.status()).toBe(404);
  await owner.screenshot({ path: 'test-results/members-page.png', fullPage: true });
});
