"""The embedded default and development: everything on this machine, nothing to configure."""

from .base import *
from .base import env

DEBUG = env.bool("DEBUG", default=True)
