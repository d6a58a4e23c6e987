#!/bin/sh
# Proves a Linux build works on its own: the bundled program (not the source checkout)
# makes a demo profile and draws every main screen offscreen (selftest), then a fresh
# profile goes through init and check headless. Any failure exits non-zero.
# Given the Linux tarball too, it installs and uninstalls it for a throwaway user.
#   installer/check-bundle.sh [dist/mentor-app] [dist/mentor-app-VERSION-linux-ARCH.tar.gz]
set -eu
bundle=${1:-dist/mentor-app}
tarball=${2:+$(cd "$(dirname "$2")" && pwd)/$(basename "$2")}
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
    # The Welsh catalogue is in the bundle: a sheet asked for in Welsh is in Welsh.
    printf '%s\n' "demo passphrase" | "$app" --profile "$work/demo" sheet --mentee "$mentee" --language cy \
        -o "$work/taflen.pdf" --passphrase-stdin >/dev/null
    pdftotext "$work/taflen.pdf" - | grep -q "Mewn argyfwng" ||
        { echo "check-bundle: the Welsh sheet is not in Welsh (no catalogue in the bundle?)" >&2; exit 1; }
fi
# A calendar file: icalendar and the UK time zone it names (from the system's zone files, or on Windows the
# bundled tzdata) are in the bundle.
printf '%s\n' "demo passphrase" |
    "$app" --profile "$work/demo" calendar -o "$work/diary.ics" --passphrase-stdin >/dev/null 2>&1
grep -q "^BEGIN:VTIMEZONE" "$work/diary.ics" && grep -q "^TZID:Europe/London" "$work/diary.ics" ||
    { echo "check-bundle: the calendar file has no UK time zone" >&2; exit 1; }
if [ -n "$tarball" ]; then
    mkdir "$work/home" "$work/unpacked"
    tar -xzf "$tarball" -C "$work/unpacked"
    (
        export HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share"
        cd "$work/unpacked"/mentor-app-*
        ./install.sh >/dev/null 2>&1
        "$HOME/.local/bin/mentor-app" --version >/dev/null
        grep -q "MimeType=application/x-mentor-app-log;" "$XDG_DATA_HOME/applications/mentor-app.desktop"
        grep -q '\*.mentorlog' "$XDG_DATA_HOME/mime/packages/mentor-app.xml"
        mkdir -p "$XDG_DATA_HOME/Mentor App" && echo kept > "$XDG_DATA_HOME/Mentor App/marker"
        ./uninstall.sh >/dev/null 2>&1
        [ ! -e "$HOME/.local/opt/mentor-app" ] && [ ! -e "$HOME/.local/bin/mentor-app" ] &&
            [ ! -e "$XDG_DATA_HOME/applications/mentor-app.desktop" ] &&
            [ -f "$XDG_DATA_HOME/Mentor App/marker" ]  # the person's notes stay
    ) || { echo "check-bundle: installing or uninstalling the tarball went wrong" >&2; exit 1; }
fi
echo "check-bundle: the bundled app made a demo profile, drew every screen, made a sheet (in English and Welsh) and a calendar, and created and checked a profile"
