#!/usr/bin/env bash
# Refreshes every block of README.md (and docs/*.md) that includes a committed file verbatim:
#   <!-- include: results/paper/summary.md -->
#   ...the file's text...
#   <!-- end include -->
# so the tables a reader sees are the committed results, not a hand copy. The test
# "readme: every included block equals its file" fails when a block and its file differ.
set -euo pipefail
cd "$(dirname "$0")/.."
for doc in README.md docs/*.md; do
  /usr/bin/env python3 - "$doc" <<'PY'
import re, sys
doc = sys.argv[1]
text = open(doc, encoding="utf-8").read()
pat = re.compile(r"(<!-- include: (\S+) -->\n)(.*?)(<!-- end include -->)", re.S)
def fill(m):
    return m.group(1) + open(m.group(2), encoding="utf-8").read() + m.group(4)
new = pat.sub(fill, text)
if new != text:
    open(doc, "w", encoding="utf-8").write(new)
    print(f"memprobe: refreshed the included blocks of {doc}")
PY
done
