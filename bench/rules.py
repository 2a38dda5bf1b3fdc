"""How long `claimwatch rules check` takes on a folder of many claim files.

Prints the in-process load time of the whole folder, the same files merely read and parsed by the C YAML
loader (the floor no validator can beat), their ratio, and the wall time of the real command.

    .venv/bin/python bench/rules.py [--claims 1000]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from monitor.rulebook.loader import load_rulebook
from monitor.rulebook.yaml_source import load_fast

ROOT = Path(__file__).resolve().parent.parent
VERBS = ["supplying drones to", "selling artillery shells to", "training pilots for", "sharing satellite imagery with",
         "shipping ballistic missiles to", "funding mercenaries for"]
PAIRS = [("china", "russia"), ("iran", "russia"), ("north-korea", "russia"), ("russia", "ukraine"),
         ("us-government", "ukraine"), ("uk-government", "ukraine")]


def claim_text(n: int) -> str:
    """A realistic claim file with keyphrases, exclusions, cues and examples."""
    subject, obj = PAIRS[n % len(PAIRS)]
    verb = VERBS[n % len(VERBS)]
    return f"""id: claim-{n:05d}
statement: {subject.replace('-', ' ').title()} is {verb} {obj.title()} (case {n})
description: Generated claim number {n} for the rules benchmark.
status: {'paused' if n % 10 == 0 else 'active'}
subjects: [{subject}]
objects: [{obj}]
keyphrases: [{verb.split()[1]}, military aid, weapons shipments, case {n}]
exclusions: [trade fair {n}]
severity: {['low', 'medium', 'high', 'critical'][n % 4]}
channels: [analysts]
realert: 12h
cues:
  denies: [fabricated story {n}]
examples:
  - text: Officials say {subject} is {verb} {obj} in case {n}, citing intelligence.
    label: corroborates
  - text: "{subject} rejected reports that it is {verb} {obj} as baseless."
    label: denies
  - text: Analysts debate whether {subject} is {verb} {obj}.
    label: discusses
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "rules"
        (folder / "claims").mkdir(parents=True)
        shutil.copy(ROOT / "rules" / "actors.yaml", folder / "actors.yaml")
        (folder / "feeds.yaml").write_text("feeds: []\n")
        for n in range(args.claims):
            (folder / "claims" / f"claim-{n:05d}.yaml").write_text(claim_text(n))

        started = time.perf_counter()
        for path in sorted((folder / "claims").glob("*.yaml")):
            load_fast(path.read_text(encoding="utf-8"))
        floor = time.perf_counter() - started

        started = time.perf_counter()
        book = load_rulebook(folder)
        loaded = time.perf_counter() - started
        assert len(book.claims) == args.claims

        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "monitor", "rules", "check", str(folder)],
                                capture_output=True, text=True, check=False)
        command = time.perf_counter() - started
        assert result.returncode == 0, result.stdout + result.stderr

    print(f"claim files:                         {args.claims}")
    print(f"read + C YAML parse only (floor):    {floor:.3f} s")
    print(f"load_rulebook (parse+validate+xref): {loaded:.3f} s   ({loaded / floor:.1f}x the floor)")
    print(f"`claimwatch rules check` wall time:  {command:.3f} s   (includes interpreter start-up)")


if __name__ == "__main__":
    main()
