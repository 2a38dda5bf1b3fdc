"""claimwatch: watch news feeds for new corroborations and denials of tracked claims."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("claimwatch")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
