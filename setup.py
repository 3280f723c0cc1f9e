from pathlib import Path

from setuptools import find_packages, setup

setup(
    name="brainscore-memorability",
    version="0.1.0",
    description="Memorability-trained networks and early/late IT benchmarks for Brain-Score",
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    # the training code lives in the training/ folder; its import name is namespaced so that it
    # cannot clash with another distribution's top-level `training` package
    packages=find_packages(include=["brainscore_memorability", "brainscore_memorability.*"])
    + ["brainscore_memorability_training"],
    package_dir={"brainscore_memorability_training": "training"},
    # the error types, side-effect free, so that training can raise them without importing brainscore_vision
    py_modules=["brainscore_memorability_errors"],
    package_data={"brainscore_memorability": ["**/*.json"],
                  "brainscore_memorability_training": ["configs/*.yaml"]},
    install_requires=[
        "brainscore-vision>=2.4.2,<2.5",
        "torch",
        "torchvision",
        "safetensors",
        "h5py",
        "matplotlib",
        "rich",
        "tqdm",
        "pyyaml",
        "submitit",
        "tensorboard",
    ],
    extras_require={
        # pytest-check: brainscore_core's plugin-CI parser (tests/submission) imports it;
        # ckatorch: the CKA peer tests/test_perf.py checks the performance script's agreement with
        "test": ["pytest", "pingouin>=0.5,<0.6", "reverse-pred==0.1.8", "pytest-check",
                 "ckatorch>=1.0.3,<2"],
        "resmem": ["resmem"],
        # python -m brainscore_memorability.perf: the peers it times this package against
        "perf": ["reverse-pred==0.1.8", "ckatorch>=1.0.3,<2"],
    },
    entry_points={"console_scripts": ["brainscore = brainscore_memorability.cli:main"]},
)
