#!/usr/bin/env bash
# Mutation testing of the core files that this branch changes (what .ci/run runs): Stryker over only
# those files, with the thresholds of stryker.config.js. A full run (npm run test:mutation:full) takes
# many minutes on two shared cores; a change touches one or two core files, whose mutants take a few
# (static mutants are left to the full run).
#
# "Changed" means: differs from the merge base with main (main, else origin/main), working tree
# included. On main itself, where the merge base is HEAD, it is what main's last commit changed
# against its first parent, so a merged branch is checked as a whole. With no main and no parent (a
# shallow clone), every core file is mutated. A change to tests only can only raise scores: skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

base=''
for ref in main origin/main; do
  if git rev-parse -q --verify "$ref^{commit}" >/dev/null; then
    base=$(git merge-base HEAD "$ref")
    break
  fi
done
if [[ -z $base || $base == "$(git rev-parse HEAD)" ]]; then
  base=$(git rev-parse -q --verify 'HEAD^1' || true)
fi
if [[ -z $base ]]; then
  echo "mutation testing: no main and no parent commit to compare with: mutating every core file"
  exec npx stryker run
fi

# The config's mutate globs as git pathspecs ("!x" excludes).
mapfile -t pathspecs < <(node -e '
  for (const p of require("./stryker.config.js").mutate) console.log(p.startsWith("!") ? `:(exclude,glob)${p.slice(1)}` : `:(glob)${p}`);
')
mapfile -t changed < <(git diff --name-only --diff-filter=d "$base" -- "${pathspecs[@]}")
if ((${#changed[@]} == 0)); then
  echo "mutation testing: no core file changed since $(git rev-parse --short "$base"): nothing to mutate"
  exit 0
fi
echo "mutation testing of the core files changed since $(git rev-parse --short "$base"): ${changed[*]}"
# Without static mutants (module-level code such as the zod schemas, which Stryker can only test by
# rerunning every test for each mutant: minutes apiece on two cores, 84 % of a full run's time). The
# full run (npm run test:mutation:full) mutates them too.
IFS=,
exec npx stryker run --ignoreStatic --mutate "${changed[*]}"
