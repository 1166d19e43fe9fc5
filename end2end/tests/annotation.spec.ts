import { Browser, expect, Page, test } from '@playwright/test';
import { addMember, createUser, open, signIn, unique } from './helpers';

const PROJECT = '/projects/support-bot-dach';

async function signedIn(browser: Browser, username: string, password?: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, username, password);
  return page;
}

/** Creates a queue through the form; answers its id. */
async function createQueue(owner: Page, q: { name: string; metric: string; annotators: string; overlap: string; n: string }) {
  await open(owner, `${PROJECT}/queues`);
  const form = owner.getByTestId('queue-form');
  await form.getByTestId('input-name').fill(q.name);
  await form.getByTestId('input-metrics').fill(q.metric);
  await form.getByTestId('input-sampling').selectOption('random');
  await form.getByTestId('input-n').fill(q.n);
  await form.getByTestId('input-annotators').fill(q.annotators);
  await form.getByTestId('input-overlap').fill(q.overlap);
  await form.getByTestId('queue-submit').click();
  const link = owner.getByTestId('queue-created').getByRole('link');
  await expect(link).toBeVisible();
  const href = await link.getAttribute('href');
  return Number(href!.split('/').pop());
}

/** Rates the open workspace's items with the keyboard only, one digit per item. */
async function rateWithKeys(page: Page, digits: string[]) {
  for (const [index, digit] of digits.entries()) {
    await expect(page.getByTestId('item-position')).toContainText(`Item ${index + 1} of ${digits.length}`);
    await page.keyboard.press(digit);
  }
  await expect(page.getByTestId('queue-finished')).toBeVisible();
}

test('an owner builds a rubric and a queue with overlap 2, two annotators rate by keyboard, agreement appears, and queues stay private', async ({ browser }) => {
  const suffix = unique();
  const [first, second] = [`rater-a-${suffix}`, `rater-b-${suffix}`];
  const admin = await signedIn(browser, 'admin');
  await open(admin, '/admin/users');
  for (const username of [first, second]) {
    await createUser(admin, { username, password: 'rater-password', role: 'annotator' });
  }

  // The owner makes both new users annotators of the project: a queue takes only members.
  const owner = await signedIn(browser, 'owner');
  for (const username of [first, second]) {
    await addMember(owner, 'support-bot-dach', username, 'annotator');
  }

  // The owner writes an ordinal rubric.
  await open(owner, `${PROJECT}/rubrics`);
  const rubricForm = owner.getByTestId('rubric-form');
  await rubricForm.getByTestId('input-name').fill(`Helpfulness ${suffix}`);
  await rubricForm.getByTestId('input-scale').selectOption('ordinal');
  await rubricForm.getByTestId('input-levels').fill(
    'Useless | Does not address the question\nPartly | Some help | Answers half\nComplete | Fully answers | Cites the help centre',
  );
  await rubricForm.getByTestId('input-instructions').fill('Rate as the customer would.');
  await rubricForm.getByTestId('rubric-submit').click();
  const saved = owner.getByTestId('rubric-saved');
  await expect(saved).toContainText('version 1');
  const rubricId = (await saved.textContent())!.match(/rubric_id (\d+)/)![1];

  // A human metric uses it.
  const key = `helpful-${suffix}`;
  await open(owner, `${PROJECT}/metrics/new`);
  const metricForm = owner.getByTestId('metric-form');
  await metricForm.getByTestId('input-key').fill(key);
  await metricForm.getByTestId('input-name').fill(`Helpful ${suffix}`);
  await metricForm.getByTestId('input-question').fill('Do customers get answers they can use?');
  await metricForm.getByTestId('input-paradigm').selectOption('human');
  await metricForm.getByTestId('input-cadence').selectOption('async');
  await metricForm.getByTestId('input-scorer').fill(`{"kind": "human", "rubric_id": ${rubricId}}`);
  await metricForm.getByTestId('input-threshold').fill('2');
  await metricForm.getByTestId('input-cost_per_failure').fill('1.00');
  await metricForm.getByTestId('input-review_date').fill('2027-06-30');
  await metricForm.getByTestId('metric-submit').click();
  await expect(owner).toHaveURL(new RegExp(`/metrics/${key}$`));

  // A refused queue names its field; then a queue of three outputs, each for both annotators.
  await open(owner, `${PROJECT}/queues`);
  const queueForm = owner.getByTestId('queue-form');
  await queueForm.getByTestId('input-name').fill(`Too much overlap ${suffix}`);
  await queueForm.getByTestId('input-metrics').fill(key);
  await queueForm.getByTestId('input-n').fill('3');
  await queueForm.getByTestId('input-annotators').fill(first);
  await queueForm.getByTestId('input-overlap').fill('2');
  await queueForm.getByTestId('queue-submit').click();
  await expect(owner.getByTestId('error-overlap')).toContainText('only 1 are assigned');
  const queue = await createQueue(owner, { name: `Helpfulness ${suffix}`, metric: key, annotators: `${first}, ${second}`, overlap: '2', n: '3' });
  const privateQueue = await createQueue(owner, { name: `Second only ${suffix}`, metric: key, annotators: second, overlap: '1', n: '1' });

  // The first annotator finds the queue under "My queues" and rates with keys only; going
  // back shows their own rating.
  const a = await signedIn(browser, first, 'rater-password');
  await expect(a.getByTestId('nav-projects')).toHaveCount(0);
  await a.getByTestId('nav-annotate').click();
  await expect(a.getByTestId('queue-table')).toContainText(`Helpfulness ${suffix}`);
  await expect(a.getByTestId('queue-table')).not.toContainText(`Second only ${suffix}`);
  await open(a, `/annotate/${queue}`);
  await expect(a.getByTestId('reply')).toBeVisible();
  await expect(a.getByTestId(`rate-${key}`)).toContainText('Cites the help centre');
  await rateWithKeys(a, ['3', '3', '3']);
  await open(a, `/annotate/${queue}`);
  await a.keyboard.press('ArrowLeft');
  await expect(a.getByTestId('item-position')).toContainText('Item 3 of 3');
  await expect(a.getByTestId('chosen')).toHaveText('Your rating: Complete');

  // Blind: the second annotator sees none of the first one's ratings.
  const b = await signedIn(browser, second, 'rater-password');
  await open(b, `/annotate/${queue}`);
  await expect(b.getByTestId('chosen')).toHaveText('');
  await b.keyboard.press('c');
  await b.keyboard.type('Second reply is vague');
  await b.keyboard.press('Escape');
  await rateWithKeys(b, ['3', '3', '1']);

  // The owner sees progress and agreement: two of three items agreed.
  await open(owner, `${PROJECT}/queues/${queue}`);
  await expect(owner.getByTestId(`annotator-${first}`)).toContainText('100%');
  await expect(owner.getByTestId(`annotator-${second}`)).toContainText('3 done');
  const agreement = owner.getByTestId(`agreement-${key}`);
  await expect(agreement.getByTestId('agreement-percent')).toHaveText('66.7%');
  await expect(agreement.getByTestId('pair-kappa')).toHaveText('0.000');
  // An ordinal rubric also shows weighted kappa (scikit-learn gives 0.0 for both here).
  await expect(agreement.getByTestId('pair-kappa-linear')).toHaveText('0.000');
  await expect(agreement.getByTestId('pair-kappa-quadratic')).toHaveText('0.000');
  await expect(agreement.getByTestId('alpha-ordinal')).not.toHaveText('');
  await expect(agreement.getByTestId('disagreements').locator('li')).toHaveCount(1);
  // The owner settles it.
  await agreement.getByTestId('adjudicate-value').selectOption({ label: 'Partly' });
  await agreement.getByTestId('adjudicate-submit').click();
  await expect(owner.getByTestId(`agreement-${key}`).getByTestId('final-label')).toContainText('Partly');

  // The metric page shows agreement over all queues; the judge check compares people with an
  // automated metric on the same outputs.
  await open(owner, `${PROJECT}/metrics/${key}`);
  await expect(owner.getByTestId('metric-agreement').getByTestId('agreement-percent')).toHaveText('66.7%');
  await open(owner, `${PROJECT}/judge-check?human=${key}&automated=reply-language`);
  await expect(owner.getByTestId('judge-check')).toContainText('scored by both');
  await expect(owner.getByTestId('length-judge')).toBeVisible();
  await expect(owner.getByTestId('confusion')).toBeVisible();

  // A queue of another annotator: the page and the server function both refuse.
  await open(a, `/annotate/${privateQueue}`);
  await expect(a.getByTestId('forbidden')).toBeVisible();
  const direct = await a.request.post('/api/work_item', { form: { queue: String(privateQueue) } });
  expect(direct.status()).toBe(403);
  // And annotators cannot read the staff's queue report.
  const report = await a.request.post('/api/queue_report', { form: { project: 'support-bot-dach', id: String(queue) } });
  expect(report.status()).toBe(403);
});
