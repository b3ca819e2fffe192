#!/usr/bin/env bash
# Fails when a tracked file refers outside the repository: to ../shared (a
# folder that exists only beside the maintainers' checkouts) or to a path of
# one machine (/work/, /home/, /root/, /Users/). Everything the build, the
# tests and the examples need lives in the tree; a user's clone has nothing
# beside it. Run it from anywhere:
#
#   bash .ci/check_self_contained.sh        # exit 0: clean, 1: offenders listed
#
# .ci/run runs it before the build.
set -euo pipefail
cd "$(dirname "$0")/.."

pattern='\.\./shared|(^|[^A-Za-z0-9_.~-])/(work|home|root|Users)/'
self=.ci/check_self_contained.sh

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked files only: a build folder or a scratch file is not the tree.
  hits=$(git grep -nIE "$pattern" -- . ":(exclude)$self" || true)
else
  hits=$(grep -rnIE "$pattern" --exclude-dir='build*' --exclude-dir=.git . \
           | grep -v "^\./$self:" || true)
fi

if [[ -n "$hits" ]]; then
  echo "check_self_contained: these lines refer outside the repository:" >&2
  echo "$hits" >&2
  echo "check_self_contained: copy what is needed into the tree and refer to it there" >&2
  exit 1
fi
echo "check_self_contained: no file refers outside the repository"
