#!/bin/sh
# Packs the one-folder build (dist/mentor-app) with its desktop entry, icon, file type and
# per-user install script into dist/mentor-app-<version>-linux-<arch>.tar.gz.
# Reproducible: file times, owners and order come from the checkout, not from this machine.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-"$root/.venv/bin/python"}
version=$("$python" -c 'import mentor_app; print(mentor_app.__version__)')
name="mentor-app-$version-linux-$(uname -m)"
stage="$root/build/$name"
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)}

rm -rf "$stage"
mkdir -p "$stage/share"
cp -R "$root/dist/mentor-app" "$stage/mentor-app"
cp "$root/installer/linux/mentor-app.desktop" "$root/installer/linux/mentor-app-mime.xml" "$stage/share/"
cp "$root/build/icons/mentor-app.png" "$root/resources/icons/mentor-app.svg" "$stage/share/"
cp "$root/installer/linux/install.sh" "$root/installer/linux/uninstall.sh" "$stage/"
cat > "$stage/README.txt" <<TEXT
Mentor App $version for Linux ($(uname -m))

Install for yourself (no administrator rights):   ./install.sh
Remove it again (your notes stay):                ./uninstall.sh
Or run it from this folder without installing:    ./mentor-app/mentor-app
TEXT
tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "$root/build" -cf - "$name" | gzip -n -9 > "$root/dist/$name.tar.gz"
echo "$root/dist/$name.tar.gz"
