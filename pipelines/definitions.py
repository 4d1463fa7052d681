"""The code location: every asset, check, job, schedule and resource found under pipelines/defs."""

from __future__ import annotations

import dagster as dg

from pipelines import defs as defs_package

defs = dg.load_definitions_from_package_module(defs_package)
