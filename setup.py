"""Magen's one compiled part: fusion's street search (src/magen/picture/_streets.c).

The project's metadata is in pyproject.toml; this file only declares the extension. It is
optional: where it cannot be built, `StreetGraphMetric` measures with scipy instead, to the
same results, more slowly.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "magen.picture._streets",
            ["src/magen/picture/_streets.c"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
