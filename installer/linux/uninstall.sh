#!/bin/sh
# Removes the program, its menu entry, icon and file type. Your encrypted
# profile (your notes) stays where it is unless you add --remove-my-notes.
set -eu
data=${XDG_DATA_HOME:-$HOME/.local/share}
rm -rf "$HOME/.local/opt/mentor-app"
rm -f "$HOME/.local/bin/mentor-app" "$data/applications/mentor-app.desktop" "$data/mime/packages/mentor-app.xml" \
      "$data/icons/hicolor/256x256/apps/mentor-app.png" "$data/icons/hicolor/scalable/apps/mentor-app.svg"
command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
if [ "${1:-}" = "--remove-my-notes" ]; then
    rm -rf "$data/Mentor App"
    echo "Mentor App and your profile are removed."
else
    echo "Mentor App is removed. Your encrypted notes are still in \"$data/Mentor App\"."
fi
