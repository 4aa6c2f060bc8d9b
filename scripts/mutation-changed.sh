#!/usr/bin/env bash
# Mutation testing of the core files that this branch changes (what .ci/run runs): Stryker over only
# those files, with the thresholds of stryker.config.js. A full run (npm run test:mutation:full) takes
# many minutes on two shared cores; a change's own lines of the core take a few (static mutants are
# left to the full run).
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
# Only the lines the change adds or rewrites (Stryker's file:first-last ranges, from the diff's hunks):
# a merged branch that reworks a core file then costs its own lines, not the whole file's mutants.
ranges=()
for file in "${changed[@]}"; do
  while read -r first count; do
    ((count == 0)) && continue
    ranges+=("$file:$first-$((first + count - 1))")
  done < <(git diff -U0 "$base" -- "$file" | sed -nE 's/^@@ -[0-9,]+ \+([0-9]+)(,([0-9]+))? @@.*/\1 \3/p' | awk '{print $1, ($2 == "" ? 1 : $2)}')
done
if ((${#ranges[@]} == 0)); then
  echo "mutation testing: the core files changed since $(git rev-parse --short "$base") only lost lines: nothing to mutate"
  exit 0
fi
echo "mutation testing of the lines changed since $(git rev-parse --short "$base"): ${ranges[*]}"
# Without static mutants (module-level code such as the zod schemas, which Stryker can only test by
# rerunning every test for each mutant: minutes apiece on two cores, 84 % of a full run's time). The
# full run (npm run test:mutation:full) mutates them too.
IFS=,
exec npx stryker run --ignoreStatic --mutate "${ranges[*]}"
