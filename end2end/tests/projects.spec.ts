import { expect, test } from '@playwright/test';
import { signIn, unique } from './helpers';

test('an owner creates a project, it is listed, and its page opens', async ({ page }) => {
  await signIn(page, 'owner');
  await expect(page.getByTestId('project-support-bot-dach')).toBeVisible();

  const name = `Legal bot ${unique()}`;
  const slug = name.toLowerCase().replace(/ /g, '-');
  const form = page.getByTestId('project-form');
  await form.getByTestId('input-name').fill(name);
  await form.getByTestId('input-description').fill('Answers questions about contracts');
  await form.getByTestId('input-purpose').fill('Deflect legal tickets safely');
  await form.getByTestId('project-submit').click();
  await expect(page.getByTestId('project-created')).toHaveText(`Created project ${name}.`);
  await expect(page.getByTestId(`project-${slug}`)).toBeVisible();

  // The same slug again is refused next to the slug field.
  await form.getByTestId('input-slug').fill(slug);
  await form.getByTestId('project-submit').click();
  await expect(form.getByTestId('error-slug')).toHaveText('is already used by another project');

  await page.getByTestId(`project-${slug}`).click();
  await expect(page.getByTestId('project-name')).toHaveText(name);
  await expect(page.getByTestId('start-with-one-metric')).toBeVisible();
});

test('an empty project name is refused next to the field', async ({ page }) => {
  await signIn(page, 'admin');
  const form = page.getByTestId('project-form');
  await form.getByTestId('input-name').fill('   ');
  await form.getByTestId('project-submit').click();
  await expect(form.getByTestId('error-name')).toHaveText('must not be empty');
});

test('annotators see their projects, with their role, but no create form', async ({ page }) => {
  await signIn(page, 'annotator');
  await expect(page.getByTestId('project-support-bot-dach')).toBeVisible();
  await expect(page.getByTestId('project-role-support-bot-dach')).toHaveText('Annotator');
  await expect(page.getByTestId('project-legal-assistant')).toHaveCount(0);
  await expect(page.getByTestId('project-form')).toHaveCount(0);
  await page.goto('/projects/no-such-project');
  await expect(page.getByTestId('not-found')).toBeVisible();
});
