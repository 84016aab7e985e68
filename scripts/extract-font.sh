#!/usr/bin/env bash
# Re-create assets/fonts/wqy-microhei.ttf from Debian's fonts-wqy-microhei package.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v pyftsubset >/dev/null || { sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo; $sudo apt-get install -y python3-fonttools fonts-wqy-microhei; }
/usr/bin/python3 - <<'PY'
from fontTools.ttLib import TTCollection
TTCollection('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc').fonts[0].save('assets/fonts/wqy-microhei.ttf')
PY
cp /usr/share/doc/fonts-wqy-microhei/copyright assets/fonts/COPYRIGHT-wqy-microhei.txt
