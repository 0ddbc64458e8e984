#!/usr/bin/env bash
# Write a .gz and a .br beside every text file in a static folder, for nginx's
# gzip_static and brotli_static: nginx then sends the compressed bytes straight from
# disk instead of compressing each response. Browsers ask for brotli over HTTPS (the
# only way a service worker runs), so most get the .br files, about 15% smaller.
# Needs Debian's `brotli` (apt-get install brotli). Run after every deploy:
#   bash deploy/precompress.sh /srv/calmcalf/static
# (the app ignores *.gz and *.br files: they change neither the version nor the offline cache).
set -euo pipefail
folder="${1:?usage: deploy/precompress.sh STATIC_FOLDER}"
command -v brotli >/dev/null || { echo "deploy/precompress.sh needs brotli: apt-get install brotli" >&2; exit 1; }
texts=(-type f \( -name '*.css' -o -name '*.js' -o -name '*.svg' -o -name '*.json' -o -name '*.webmanifest' \))
find "$folder" "${texts[@]}" -exec gzip -9 --keep --force --no-name {} +
find "$folder" "${texts[@]}" -exec brotli --best --keep --force {} +
