"""Moderation pages, under /moderation/."""

from django.urls import path

from . import views, views_review

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("deposits/<id:pk>/", views_review.review, name="review"),
    path("deposits/<id:pk>/files/<id:file_pk>", views_review.review_file, name="review-file"),
    path("deposits/<id:pk>/files/<id:file_pk>/preview", views_review.file_preview, name="file-preview"),
    path("deposits/<id:pk>/files/<id:file_pk>/comments", views_review.file_thread, name="file-thread"),
    path("deposits/<id:pk>/report.<str:fmt>", views_review.report, name="report"),
    path("deposits/<id:pk>/approve", views_review.approve_confirm, name="approve"),
]

# The conversation (both parties): comments and replies, resolving and reopening a thread.
from . import views_comments  # noqa: E402

urlpatterns += [
    path("deposits/<id:pk>/comments", views_comments.comment_add, name="comment-add"),
    path("deposits/<id:pk>/comments/<id:comment_id>/resolve", views_comments.comment_resolve, name="comment-resolve"),
    path("deposits/<id:pk>/comments/<id:comment_id>/reopen", views_comments.comment_reopen, name="comment-reopen"),
]
