"""What the plugin costs a build that does not stage: import time with the build hook disabled.

When a build needs a plugin Hatchling does not ship (as it does once
``[tool.hatch.build.hooks.startifact]`` is configured, enabled or not), Hatchling imports the
``hatch`` entry points, ``hatch_startifact.hatch_plugin`` among them, and registers the build
hook class.
This measures, with ``python -X importtime``, the cumulative import time of the plugin's modules
on top of what Hatchling has already imported, and checks that neither boto3 nor Hatch is
imported. Run: ``python benchmarks/import_cost.py [RUNS]``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

CODE = (
    "import hatchling.builders.wheel, hatchling.builders.sdist, hatchling.plugin\n"
    "import hatch_startifact.hatch_plugin as hooks\n"
    "hooks.hatch_register_build_hook()\n"
    "import sys\n"
    "heavy = [m for m in ('boto3', 'botocore', 's3transfer', 'hatch') if m in sys.modules]\n"
    "assert not heavy, heavy\n"
)
TOP_LEVEL = (
    "hatch_startifact",
    "hatch_startifact.hatch_plugin",
    "hatch_startifact.hatch_plugin.build_hook",
)


def one_run() -> float:
    """Milliseconds spent importing the plugin's modules in one fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", CODE], capture_output=True, text=True, check=True
    )
    total_us = 0
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        top_level = not name.startswith("  ")  # nested imports are indented further
        if top_level and name.strip() in TOP_LEVEL:
            total_us += int(cumulative)
    return total_us / 1000


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    times = sorted(one_run() for _ in range(runs))
    print(
        f"plugin import cost with the build hook disabled, {runs} runs: "
        f"median {statistics.median(times):.2f} ms, min {times[0]:.2f} ms, "
        f"max {times[-1]:.2f} ms; boto3 and hatch not imported"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
