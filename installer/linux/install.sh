#!/bin/sh
# Installs Mentor App for this user only (no administrator rights needed):
# the program under ~/.local/opt, a menu entry, the icon, and the .mentorlog
# file type so a double-clicked log opens the import. Run it from the
# unpacked folder:  ./install.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
target="$HOME/.local/opt/mentor-app"
bin="$HOME/.local/bin"

mkdir -p "$target" "$bin" "$data/applications" "$data/mime/packages" "$data/icons/hicolor/256x256/apps" \
         "$data/icons/hicolor/scalable/apps"
rm -rf "$target.new"
cp -R "$here/mentor-app" "$target.new"
rm -rf "$target"
mv "$target.new" "$target"
ln -sf "$target/mentor-app" "$bin/mentor-app"
sed "s|^Exec=mentor-app|Exec=\"$target/mentor-app\"|" "$here/share/mentor-app.desktop" \
    > "$data/applications/mentor-app.desktop"
cp "$here/share/mentor-app-mime.xml" "$data/mime/packages/mentor-app.xml"
cp "$here/share/mentor-app.png" "$data/icons/hicolor/256x256/apps/mentor-app.png"
cp "$here/share/mentor-app.svg" "$data/icons/hicolor/scalable/apps/mentor-app.svg"
command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
command -v xdg-mime >/dev/null && xdg-mime default mentor-app.desktop application/x-mentor-app-log || true
echo "Mentor App is installed. Open it from your applications menu, or run: $bin/mentor-app"
