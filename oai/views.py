"""The OAI-PMH endpoint (/oai): GET, or POST with form-encoded arguments, as the protocol allows.
Errors are OAI-PMH errors inside a 200 response, as the protocol wants. Lists are streamed."""

from django.http import StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import protocol


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint(request):
    arguments = request.POST if request.method == "POST" else request.GET
    response = StreamingHttpResponse(protocol.respond(dict(arguments.lists())), content_type="text/xml; charset=utf-8")
    response["Cache-Control"] = "no-store"  # lists change as records are published
    return response
