"""The code location: every asset, check, job and schedule found under pipelines/defs."""

import warnings

import dagster as dg

from pipelines import defs as defs_package
from pipelines.defs.resources import build_resources

with warnings.catch_warnings():
    # The package loader is marked "preview"; it only collects module-level definitions.
    warnings.simplefilter("ignore", dg.PreviewWarning)
    defs = dg.load_definitions_from_package_module(defs_package, resources=build_resources())
