# Shared by scripts/serve and scripts/test: a .venv with the app installed.
# Works on a fresh Debian machine with only python3: what is missing is
# installed with apt-get (as root, or with sudo).

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "scripts: need root to run: $*" >&2; return 1
  fi
}

APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# Create .venv (Debian's python3 needs python3-venv for that) and install the app.
ensure_venv() {
  local extras="$1"
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
    rm -rf .venv
    if ! python3 -m venv .venv >/dev/null 2>&1; then
      rm -rf .venv
      apt_install python3-venv
      python3 -m venv .venv
    fi
  fi
  # The runtime dependencies at the versions a deployment installs (deploy/constraints.txt), so
  # the tests run on exactly those; after changing pyproject.toml's dependencies: bash scripts/constraints
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --constraint deploy/constraints.txt \
    --editable ".${extras}"
}

# npm packages pinned in DIR/package-lock.json, from the registry npm is configured for
# (Debian's nodejs and npm first). Installed again only when node_modules is missing or
# the lock changed.
ensure_npm() {
  local dir="$1" missing=()
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
  fi
  local stamp="$dir/node_modules/.installed-lock.json"
  if ! cmp -s "$dir/package-lock.json" "$stamp"; then
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    cp "$dir/package-lock.json" "$stamp"
  fi
}

# TypeScript for scripts/check's JavaScript type check (tools/jscheck/package-lock.json).
JSCHECK=tools/jscheck
ensure_jscheck() {
  ensure_npm "$JSCHECK"
}
