# Debian package lists once; later steps install what their tests need.
if command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq >/dev/null || true
fi
