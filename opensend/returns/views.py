# Interim: replaced by the census import pages.
from django.http import HttpRequest, HttpResponse


def census_upload(request: HttpRequest) -> HttpResponse:
    return HttpResponse("census import")
