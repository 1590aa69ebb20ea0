"""Pages about the service itself, readable without signing in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "web/accessibility.html", {"page_title": "Accessibility statement"})


@login_not_required
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "web/privacy.html", {"page_title": "How we use information"})
