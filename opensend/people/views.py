"""Child search and the child record page. Thin: selectors apply the access policy and write
the access log; these views only read the request and render."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from opensend.people import selectors
from opensend.web.shell import signed_in_user, user_shell

MAX_QUERY_LENGTH = 200


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


class ChildSearchView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = signed_in_user(request)
        text = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
        shell = user_shell(request)
        results = None
        error = None
        if "q" in request.GET and not text:
            error = "Enter a name, UPN, NHS number or date of birth"
        elif text:
            results = selectors.child_search(
                user=user,
                text=text,
                page=_page_number(request),
                page_size=settings.OPENSEND_SEARCH_PAGE_SIZE,
                grants=shell.grants,
            )
            if results.query.problems:
                error = results.query.problems[0]
            elif results.query.is_empty:
                error = "Enter at least one letter of a name, or a UPN, NHS number or date of birth"
        return render(
            request,
            "people/search.html",
            {
                "page_title": "Find a child" if not text else f"Search results for {text}",
                "query": text,
                "results": results,
                "error": error,
                "page_has_errors": bool(error),
                "sees_children": shell.sees_children,
            },
            status=400 if error else 200,
        )


class ChildRecordView(View):
    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        user = signed_in_user(request)
        shell = user_shell(request)
        child, decision = selectors.child_get_for_user(
            user=user, child_id=child_id, grants=shell.grants
        )
        record = selectors.child_record(user=user, child=child, decision=decision)
        return render(
            request,
            "people/record.html",
            {"page_title": child.display_name, "record": record, "child": record.child},
        )
