"""ledgerkit: the money and table helpers the ledger app shares with its other tools.

A plain setuptools project (setup.py only): installed into the image's venv with
``pip install --no-index --no-build-isolation ./pkg``, from the build context.
"""
from setuptools import setup

setup(
    name="ledgerkit",
    version="1.4.2",
    description="Money parsing/formatting and plain-text tables",
    packages=["ledgerkit"],
    python_requires=">=3.9",
    zip_safe=False,
)
