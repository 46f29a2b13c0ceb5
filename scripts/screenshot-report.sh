#!/usr/bin/env bash
# A full-page screenshot of a report (or any HTML page) as a person sees it: headless Chromium,
# 1,280 px wide, as tall as the page.
#   bash scripts/screenshot-report.sh REPORT.html OUT.png
# Chromium's --screenshot captures the window only, so a first pass loads a copy of the page
# that writes its height into the DOM (--dump-dom), and the second takes the screenshot with a
# window that tall. Chromium comes with scripts/install-deps.sh --test.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 REPORT.html OUT.png" >&2
  exit 2
fi
report=$1
out=$2
width=1280
max_height=30000  # beyond this Chromium's capture fails; the page is cut there
if [ ! -f "$report" ]; then
  echo "memprobe: no such file: $report" >&2
  exit 1
fi
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "memprobe: chromium is not installed (scripts/install-deps.sh --test installs it)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dir=$(cd "$(dirname "$report")" && pwd)
page="$dir/$(basename "$report")"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
url_dir="file://${dir// /%20}/"
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
       --disable-extensions --disable-dev-shm-usage --user-data-dir="$work/profile"
       --virtual-time-budget=10000)

# Pass 1: the height. The copy lives in $work, so a <base> keeps its relative images and links
# pointing into the report's folder (they take up room too).
sed "0,/<head>/s||<head><base href=\"${url_dir//|/%7C}\">|" "$page" > "$work/page.html"
cat >> "$work/page.html" <<'JS'
<script>
window.addEventListener('load', function () {
  var p = document.createElement('pre');
  p.id = 'mp-height';
  p.textContent = Math.ceil(Math.max(document.documentElement.scrollHeight,
                                     document.body.scrollHeight));
  document.body.appendChild(p);
});
</script>
JS
height=$("$chromium" "${flags[@]}" --window-size=$width,2000 --dump-dom \
           "file://$work/page.html" 2>/dev/null |
         sed -n 's/.*<pre id="mp-height">\([0-9]*\)<\/pre>.*/\1/p' | head -n 1)
if [ -z "$height" ]; then
  echo "memprobe: could not measure the page's height; using 3000 px" >&2
  height=3000
elif [ "$height" -gt "$max_height" ]; then
  echo "memprobe: the page is $height px tall; the screenshot stops at $max_height px" >&2
  height=$max_height
fi

# Pass 2: the page itself, in a window as tall as it.
"$chromium" "${flags[@]}" --window-size=$width,"$height" --screenshot="$out" \
  "file://${page// /%20}" >/dev/null 2>"$work/chromium.log" || {
  cat "$work/chromium.log" >&2
  exit 1
}
if [ ! -s "$out" ]; then
  cat "$work/chromium.log" >&2
  echo "memprobe: chromium wrote no screenshot" >&2
  exit 1
fi
echo "memprobe: $out ($width x $height px)"
