"""The Celery application; tasks are discovered in every installed app's tasks.py."""

import os

from celery import Celery

from . import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
broker.register()  # `filesystem://`: kombu's file-system transport, messages written whole

app = Celery("estran")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
