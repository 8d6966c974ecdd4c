// Stands in for `semver` inside bundles. The X-Ray SDK (pulled in by Powertools Tracer) requires semver
// only to check the version of the AWS SDK v2 it patches; we use SDK v3, so only `gte` must exist.
// Replacing the 28 KB package keeps every function bundle well inside its 250 KB budget.
'use strict';
const parse = (version) =>
  String(version)
    .replace(/^v/, '')
    .split(/[.+-]/)
    .slice(0, 3)
    .map((part) => Number.parseInt(part, 10) || 0);
exports.gte = (left, right) => {
  const a = parse(left);
  const b = parse(right);
  for (let index = 0; index < 3; index += 1) {
    if (a[index] !== b[index]) return a[index] > b[index];
  }
  return true;
};
