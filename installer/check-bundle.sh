#!/bin/sh
# Proves a Linux build works on its own: the bundled program (not the source checkout)
# makes a demo profile and draws every main screen offscreen (selftest), then a fresh
# profile goes through init and check headless. Any failure exits non-zero.
#   installer/check-bundle.sh [dist/mentor-app]
set -eu
bundle=${1:-dist/mentor-app}
app="$(cd "$bundle" 2>/dev/null && pwd)/mentor-app"
[ -x "$app" ] || { echo "check-bundle: no program at $app (run make installer first)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export QT_QPA_PLATFORM=offscreen
# Nothing from the checkout may leak in: no source tree on the path, run from elsewhere.
unset PYTHONPATH
cd "$work"

"$app" --version
"$app" --profile "$work/demo" demo
printf '%s\n' "demo passphrase" | "$app" --profile "$work/demo" selftest --passphrase-stdin
if [ "${MENTOR_APP_REQUIRE_KEYRING:-}" = 1 ]; then
    # The bundle must carry this system's keyring backend, or every unlock falls back to the passphrase.
    "$app" --profile "$work/demo" keyring status </dev/null | grep -q "is in this computer's keyring" ||
        { echo "check-bundle: the bundled app can't use the keyring" >&2; exit 1; }
fi
printf '%s\n' "a bundle check passphrase" |
    "$app" --profile "$work/fresh" init --role mentor --name "Bundle Check" --no-keyring --passphrase-stdin >/dev/null
printf '%s\n' "a bundle check passphrase" | "$app" --profile "$work/fresh" check --passphrase-stdin
# A signposting sheet with its QR codes and fonts, read back as text.
mentee=$(printf '%s\n' "demo passphrase" | "$app" --profile "$work/demo" mentees --passphrase-stdin | head -n 1 | cut -d' ' -f1)
printf '%s\n' "demo passphrase" |
    "$app" --profile "$work/demo" sheet --mentee "$mentee" -o "$work/sheet.pdf" --passphrase-stdin >/dev/null
if command -v pdftotext >/dev/null; then
    pdftotext "$work/sheet.pdf" - | grep -q "999" || { echo "check-bundle: the sheet has no emergency numbers" >&2; exit 1; }
fi
echo "check-bundle: the bundled app made a demo profile, drew every screen, made a sheet, and created and checked a profile"
