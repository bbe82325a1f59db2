#!/usr/bin/env sh
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 needs >=3.8,<3.11; Kompis pins 3.10),
# or explains what to install and exits 1.
set -u
for candidate in "${KOMPIS_PYTHON:-}" python3.10 "$HOME"/.pyenv/versions/3.10.*/bin/python /usr/local/bin/python3.10 /usr/bin/python3.10; do
  [ -n "$candidate" ] || continue
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if "$path" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; then
    echo "$path"
    exit 0
  fi
done
cat >&2 <<'MSG'
Kompis needs Python 3.10 (Rasa 3.6 does not run on 3.11 or newer), and none was found.
Install one of these, then run the command again:
  - Debian/Ubuntu:  sudo apt-get install python3.10 python3.10-venv   (deadsnakes PPA on Ubuntu)
  - pyenv:          pyenv install 3.10.13
  - or point KOMPIS_PYTHON at a 3.10 interpreter:  KOMPIS_PYTHON=/path/to/python3.10 make run
MSG
exit 1
