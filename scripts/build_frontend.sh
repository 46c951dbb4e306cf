#!/usr/bin/env bash
# Rebuild the vendored front-end files under socialguard/web/static/vendor/.
#
# Run this only to upgrade GOV.UK Frontend or HTMX: the output is committed, so running
# or testing SocialGuard never needs Node. Needs node + npm (npm registry access).
#
#   scripts/build_frontend.sh
#
# What it does, all in a throw-away directory from mktemp (no node_modules in the repo):
#   1. npm install of the exact versions pinned below (govuk-frontend, htmx.org, sass);
#   2. compiles GOV.UK Frontend's Sass ONCE with
#        $govuk-assets-path: "/static/vendor/govuk-frontend/assets/"   (our STATIC_URL)
#        $govuk-font-family: a system font stack (no GDS Transport; it is for GOV.UK only,
#                            and $govuk-include-default-font-face is forced off so no
#                            @font-face rules are emitted)
#        $govuk-image-url-function: maps the royal crest (footer copyright logo, which we do
#                            not use) to `none`, so the CSS names no file we do not ship
#                            (ManifestStaticFilesStorage fails on missing url() targets);
#   3. copies govuk-frontend.min.css (compiled), govuk-frontend.min.js (the ES module, minus
#      its sourceMappingURL because we do not ship .map files), LICENSE.txt (MIT: the npm
#      package has no licence file, so the text from the govuk-frontend repository is written
#      here), and htmx.min.js with its LICENSE (0BSD).
# Deliberately NOT vendored: assets/fonts (GDS Transport) and assets/images + manifest.json
# (every image in the package is the GOV.UK crown, crest or GOV.UK brand; the manifest only
# lists those icons). Our own favicon lives in static/socialguard/.
set -euo pipefail

GOVUK_FRONTEND_VERSION="6.6.0"
HTMX_VERSION="2.0.11"
SASS_VERSION="1.108.2"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/socialguard/web/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error --save-exact \
  "govuk-frontend@$GOVUK_FRONTEND_VERSION" "htmx.org@$HTMX_VERSION" "sass@$SASS_VERSION" >/dev/null

cat > _url-handlers.scss <<'SCSS'
@function image-url($filename) {
  @if $filename == "govuk-crest.svg" {
    @return none;
  }
  @return url("/static/vendor/govuk-frontend/assets/images/" + $filename);
}
SCSS
cat > socialguard-govuk.scss <<'SCSS'
@use "sass:meta";
@use "url-handlers";
@use "govuk" with (
  $govuk-assets-path: "/static/vendor/govuk-frontend/assets/",
  $govuk-font-family: (system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif),
  $govuk-include-default-font-face: false,
  $govuk-image-url-function: meta.get-function("image-url", $module: "url-handlers")
);
SCSS
npx --no-install sass --load-path=node_modules/govuk-frontend/dist --style=compressed --no-source-map \
  socialguard-govuk.scss govuk-frontend.min.css

if grep -q "GDS Transport\|@font-face\|govuk-crest" govuk-frontend.min.css; then
  echo "compiled CSS still refers to GOV.UK-only fonts or images" >&2
  exit 1
fi

GOVUK="$VENDOR/govuk-frontend"
rm -rf "$GOVUK" "$VENDOR/htmx"
mkdir -p "$GOVUK" "$VENDOR/htmx"
cp govuk-frontend.min.css "$GOVUK/"
sed '/^\/\/# sourceMappingURL=/d; s#//\# sourceMappingURL=[^ ]*$##' \
  node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js > "$GOVUK/govuk-frontend.min.js"
cat > "$GOVUK/LICENSE.txt" <<'LICENSE'
The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
LICENSE
cat > "$GOVUK/VERSION.txt" <<TXT
govuk-frontend $GOVUK_FRONTEND_VERSION (npm), Sass compiled with sass $SASS_VERSION by scripts/build_frontend.sh
System font stack; no GDS Transport fonts, no GOV.UK crown/crest images, no manifest.
TXT

cp node_modules/htmx.org/dist/htmx.min.js "$VENDOR/htmx/htmx.min.js"
cp node_modules/htmx.org/LICENSE "$VENDOR/htmx/LICENSE"
echo "htmx.org $HTMX_VERSION (npm)" > "$VENDOR/htmx/VERSION.txt"

echo "Vendored into $VENDOR:"
(cd "$VENDOR" && find . -type f | sort && du -sh .)
