"""avegraph: a terminal explorer for the AvePoint Graph Modern API and the Elements partner API."""

__version__ = "0.1.0"
APP_NAME = "avegraph"
