"""Extract every documented response sample into tests/data/doc_samples.json (the doc-sample suite's data).

Run from the repository root when the reference is present:

    python tools/extract_doc_samples.py [--reference ../shared/reference]

For each endpoint of the reference index (catalogue.json) whose page has a "Response Sample" JSON
block, the file keeps what a reader of the page needs to count its items: method, path, page,
the index's ``items_key`` / ``kind`` / ``top_level_keys``, and each sample as the page shows it
once // comments, trailing commas and "..." are skipped (``repairs`` names any further fix the
page's JSON needed). A page whose sample section cannot be read is listed under ``unparsed`` with
the reason, so that no sample is dropped silently (tests/test_doc_samples.py checks both lists
against the pages whenever the reference is present).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_catalog import is_read_only, lenient_json_repairs, norm_path, response_sample_blocks  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "doc_samples.json"


def find_reference() -> Path | None:
    """``shared/reference`` beside the repository or one of its parents (a worktree sits one deeper)."""
    for parent in Path(__file__).resolve().parents:
        cand = parent / "shared" / "reference"
        if (cand / "catalogue.json").is_file():
            return cand
    return None


def sample_sections(text: str) -> list[str]:
    """The text under each 'Response Sample' heading of a page."""
    return [sec for sec in re.split(r"^#+\s*", text, flags=re.M) if sec.lower().startswith("response sample")]


def extract(ref: Path) -> dict:
    raw = json.loads((ref / "catalogue.json").read_text(encoding="utf-8"))
    docs = ref / "avepoint-graph-api"
    samples, unparsed = [], []
    for e in raw:
        text = (docs / e["doc_file"]).read_text(encoding="utf-8")
        entry = {"method": e["method"], "path": norm_path(e["path"]), "doc_file": e["doc_file"]}
        sections = sample_sections(text)
        if not sections:
            continue
        blocks = response_sample_blocks(text)
        parsed = [lenient_json_repairs(b) for b in blocks]
        if not blocks or any(p is None for p in parsed):
            reason = ("the Response Sample section has no code block: " + " ".join(sections[0].split()[2:])[:120]
                      if not any("```" in s for s in sections) else
                      "the Response Sample section has no JSON block" if not blocks else
                      "a Response Sample block is not JSON even after the documented repairs")
            unparsed.append({**entry, "reason": reason})
            continue
        shape = e["response_shape"]
        samples.append({
            **entry,
            "read_only": is_read_only(e),
            "kind": e["navigation"].get("kind"),
            "items_key": shape.get("items_key"),
            "top_level_keys": shape.get("top_level_keys") or [],
            "samples": [{"body": value, "repairs": repairs} for value, repairs in parsed],
        })
    return {"source": "AvePoint/cloud-api docs (Apache-2.0), Response Sample blocks of the pages in catalogue.json",
            "samples": samples, "unparsed": unparsed}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", default=None, help="the shared/reference directory (found by default)")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    ref = Path(args.reference) if args.reference else find_reference()
    if ref is None:
        print("no shared/reference found: give --reference", file=sys.stderr)
        return 2
    data = extract(ref)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}: {len(data['samples'])} endpoints with a sample, {len(data['unparsed'])} unparsed",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
