"""The embedded default and development: everything on this machine, nothing to configure."""
from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
