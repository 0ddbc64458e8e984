#!/usr/bin/env bash
# Write a .gz beside every text file in a static folder, for nginx's gzip_static:
# nginx then sends the compressed bytes straight from disk instead of compressing
# each response. Run after every deploy: bash deploy/precompress.sh /srv/calmcalf/static
# (the app ignores *.gz files: they change neither the version nor the offline cache).
set -euo pipefail
folder="${1:?usage: deploy/precompress.sh STATIC_FOLDER}"
find "$folder" -type f \( -name '*.css' -o -name '*.js' -o -name '*.svg' -o -name '*.json' -o -name '*.webmanifest' \) \
  -exec gzip -9 --keep --force --no-name {} +
