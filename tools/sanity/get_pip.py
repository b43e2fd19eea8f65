"""Offline stand-in for pypa's get-pip.py, which ansible-test downloads from a host this
project's machines cannot reach (tools/sanity.sh puts it where ansible-test caches it).

Like get-pip.py it is run with pip-install arguments (`--disable-pip-version-check
pip==X setuptools==Y --no-setuptools --no-wheel`, say) inside a virtual environment made
without pip. The standard library's ensurepip installs its bundled pip first; that pip
then installs the requested packages from PyPI.
"""

import ensurepip
import importlib
import os
import sys

# ensurepip hides the pip configuration (PIP_CONFIG_FILE=/dev/null) from the rest of
# this process; the install below needs it (index, CA bundle), so put it back.
config = os.environ.get("PIP_CONFIG_FILE")
ensurepip.bootstrap(upgrade=True)
if config is None:
    os.environ.pop("PIP_CONFIG_FILE", None)
else:
    os.environ["PIP_CONFIG_FILE"] = config
importlib.invalidate_caches()

from pip._internal.cli.main import main  # noqa: E402  (pip exists only after the bootstrap)

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--upgrade", *args]))
