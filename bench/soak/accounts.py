"""The soak scenario's accounts, made in the stack's own environment: `python -m bench.soak.accounts
DEPOSITORS MODERATORS` creates depositors `soak-dep-01…` and moderators of the ocean community
`soak-mod-01…`, each with an API token (and the password `soak-password`, to sign in with a
browser), and prints {username: token} as JSON on its last line."""

from __future__ import annotations

import json
import sys


def main(depositors: int, moderators: int) -> dict[str, str]:
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    from accounts.models import Community
    from accounts.services import api_token_create, moderator_grant, user_create

    ocean = Community.objects.get(slug="ocean")
    # One password for all, hashed once: the hasher's work factor (half a second) is not paid per account.
    password = make_password("soak-password")
    tokens = {}
    people = [(f"soak-dep-{i:02d}", f"Depositor {i:02d}", False) for i in range(1, depositors + 1)]
    people += [(f"soak-mod-{i:02d}", f"Moderator {i:02d}", True) for i in range(1, moderators + 1)]
    for username, name, moderates in people:
        user = user_create(username=username, email=f"{username}@example.org", display_name=name)
        user.password = password
        user.save(update_fields=["password"])
        if moderates:
            moderator_grant(user=user, community=ocean)
        tokens[username] = api_token_create(user=user, name="soak")[1]
    return tokens


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]))))
