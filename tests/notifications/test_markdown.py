"""A moderator's comment is Markdown: the notifications page and the HTML e-mails (each one and the
digest) show it rendered and sanitised as the review page does (moderation/markdown.py), never its
raw marks nor anything hostile it holds; the plain-text e-mails keep the text as it was typed."""

import pytest
from django.urls import reverse

from notifications.models import EmailMode, Preference
from notifications.services import digests_send

MARKDOWN = (
    "Please add **the calibration** of the CTD:\n\n"
    "- the *conductivity* cell\n"
    "- the [SeaBird sheet](https://www.seabird.com/sbe-911plus)\n\n"
    '<script>alert("x")</script> [click](javascript:alert(1)) <img src=x onerror=alert(2)>'
)


def assert_rendered(html: str) -> None:
    assert "<strong>the calibration</strong>" in html and "**" not in html
    assert "<em>conductivity</em>" in html
    assert "<li>" in html and "- the" not in html
    assert '<a href="https://www.seabird.com/sbe-911plus" rel="nofollow noopener">SeaBird sheet</a>' in html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html and "&lt;img" in html  # shown as the text typed, harmless


@pytest.fixture
def commented(deposit, depositor, moderator, act, comment_on, mailoutbox):
    act(deposit, "submit", depositor)
    act(deposit, "claim", moderator)
    mailoutbox.clear()
    comment_on(deposit, moderator, MARKDOWN)
    return deposit


def test_the_notifications_page_renders_the_moderators_markdown_safely(client, depositor, commented):
    client.force_login(depositor)
    page = client.get(reverse("notifications:list")).content.decode()
    start = page.index('class="notification-text comment-body"')
    text = page[start : page.index("</div>", page.index("</ul>", start))]
    assert_rendered(text)


def test_a_long_comment_is_cut_on_the_notifications_page_with_its_tags_closed(
    client, depositor, moderator, deposit, act, comment_on
):
    act(deposit, "submit", depositor)
    act(deposit, "claim", moderator)
    comment_on(deposit, moderator, "**" + " ".join(["salinity"] * 35) + "**")
    client.force_login(depositor)
    page = client.get(reverse("notifications:list")).content.decode()
    start = page.index('class="notification-text comment-body"')
    text = page[start : page.index("</div>", start)]
    assert "<strong>salinity" in text and "…</strong></p>" in text
    assert len(text) < 400


def test_the_html_mail_renders_the_markdown_and_the_text_mail_keeps_it_as_typed(depositor, commented, mailoutbox):
    [mail] = [m for m in mailoutbox if m.to == [depositor.email]]
    assert_rendered(mail.alternatives[0][0])
    assert "Please add **the calibration** of the CTD:" in mail.body
    assert "- the [SeaBird sheet](https://www.seabird.com/sbe-911plus)" in mail.body
    assert "<strong>" not in mail.body


def test_the_digest_renders_the_markdown_in_html_and_keeps_it_in_text(
    deposit, depositor, moderator, act, comment_on, mailoutbox
):
    from django.utils import timezone

    Preference.objects.create(user=depositor, email=EmailMode.digest)
    act(deposit, "submit", depositor)
    act(deposit, "claim", moderator)
    comment_on(deposit, moderator, "Please add **the calibration** and the [sheet](https://example.org/s).")
    mailoutbox.clear()
    assert digests_send(now=timezone.now()) >= 1
    [mail] = [m for m in mailoutbox if m.to == [depositor.email]]
    html = mail.alternatives[0][0]
    assert "<strong>the calibration</strong>" in html and "**" not in html
    assert '<a href="https://example.org/s" rel="nofollow noopener">sheet</a>' in html
    assert "Please add **the calibration** and the [sheet](https://example.org/s)." in mail.body
