"""Installs the outside-data guard (outside_data.py) in a Python process started by the test suite."""
import os

if os.environ.get("UNSPUN_TEST_FORBID"):
    import outside_data

    outside_data.set_forbidden(os.environ["UNSPUN_TEST_FORBID"].split(os.pathsep))
    outside_data.install()
