"""Production's URLs and yardsticks on the same server, through the same middleware:
`/bench/trivial`, the cheapest Django view, which the landing page is measured against;
`/bench/bytes/<n>`, `n` bytes of HTML from memory, the floor for a page of that size; and
`/bench/query/<pk>/<n>`, the same after one primary-key query of the record, the floor for any page
that reads the database."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as production

_PAGE = b"<!DOCTYPE html><p>" + b"Estran " * 20000


def trivial(request):
    return HttpResponse(b"ok", content_type="text/plain")


def some_bytes(request, n: int):
    return HttpResponse(_PAGE[:n], content_type="text/html; charset=utf-8")


def one_query(request, pk: int, n: int):
    from repository.models import Record

    Record.objects.filter(pk=pk).values_list("modified", flat=True).first()
    return HttpResponse(_PAGE[:n], content_type="text/html; charset=utf-8")


urlpatterns = [
    path("bench/trivial", trivial),
    path("bench/bytes/<int:n>", some_bytes),
    path("bench/query/<int:pk>/<int:n>", one_query),
    *production,
]
