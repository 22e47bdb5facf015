"""Copy GOV.UK Frontend's built files into victimcare's static folder.

victimcare is not a GOV.UK service, so the GDS Transport typeface (licensed for GOV.UK
only) is taken out of the stylesheet: pages use Arial, as non-GOV.UK services must.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
TARGET = ROOT / "src" / "victimcare" / "core" / "static" / "govuk"


def main() -> int:
    if not SOURCE.exists():
        print(f"build_assets: {SOURCE} is missing; run `npm ci` first", file=sys.stderr)
        return 2
    if TARGET.exists():
        shutil.rmtree(TARGET)
    (TARGET / "assets").mkdir(parents=True)
    css = (SOURCE / "govuk-frontend.min.css").read_text()
    css = css.replace('"GDS Transport",', "")
    css = re.sub(r"@font-face\{[^}]*\}", "", css)
    css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
    (TARGET / "govuk-frontend.min.css").write_text(css)
    js = (SOURCE / "govuk-frontend.min.js").read_text()
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    (TARGET / "govuk-frontend.min.js").write_text(js)
    shutil.copytree(SOURCE / "assets" / "images", TARGET / "assets" / "images")
    print(f"build_assets: GOV.UK Frontend copied to {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
