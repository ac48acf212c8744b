"""Moderation: the service level promised to depositors."""

from .env import env

# Working days (Monday to Friday; public holidays are not modelled) from a deposit's submission to
# its decision. The queue shows each deposit against it: due soon from 80 %, then overdue.
MODERATION_SLA_WORKING_DAYS = env.int("MODERATION_SLA_WORKING_DAYS", default=5)
