// The review's record of the allow lines it accepted for one head commit: a pull-request
// comment by the workflow's bot, posted once per head commit and never edited. The review
// job writes it, the deploy job reads it: both take its format from here
// (.github/workflows/tenants.yml requires this file; test/workflow.test.ts runs both).
'use strict';

/** The only author whose record counts: the workflow's own bot (GITHUB_TOKEN). */
const BOT_LOGIN = 'github-actions[bot]';

/** The record's first line, naming the head commit whose review posted it. */
const marker = (head) => `<!-- tenantc-allows head=${head} -->`;

/** The allow lines of a pull request's description, as `tenantc diff --allow-file` reads them. */
const descriptionAllowLines = (text) =>
  text
    .split(/\r?\n/)
    .filter((l) => /^[ \t]*tenantc-allow:/.test(l))
    .map((l) => l.trim());

/** The record's body for the allow lines the review of `head` accepted. */
const recordBody = (head, lines) =>
  [marker(head), `Allows accepted by the review of ${head} (deploy uses these and only these once this commit is merged):`, '', '```', ...(lines.length ? lines : ['(none)']), '```'].join('\n');

/** Every record for `head` among a pull request's comments: the bot's, opening with the marker. */
const recordsFor = (comments, head) => comments.filter((c) => c.user?.login === BOT_LOGIN && (c.body ?? '').startsWith(`${marker(head)}\n`));

/** The allow lines a record carries. */
const recordAllowLines = (body) => body.split('\n').filter((l) => l.startsWith('tenantc-allow:'));

module.exports = { BOT_LOGIN, marker, descriptionAllowLines, recordBody, recordsFor, recordAllowLines };
