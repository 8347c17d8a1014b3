"""Packaging beyond what pyproject.toml can say: the repository's top-level seed_data/ and
scenarios/ folders ship inside the package as ``simulator.seed_data`` and
``simulator.scenario_library``, read at run time through importlib.resources."""

from setuptools import find_packages, setup

DATA_PACKAGES = {"simulator.seed_data": "seed_data", "simulator.scenario_library": "scenarios"}

setup(
    packages=[*find_packages(include=["simulator", "simulator.*"]), *DATA_PACKAGES],
    package_dir=DATA_PACKAGES,
)
