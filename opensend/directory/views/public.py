"""The public Local Offer: choose an area, search, read a service (also in print and large-print
views), and keep a shortlist to print or email to yourself.

No sign-in, and nothing needs JavaScript: the search is a GET form, the shortlist buttons are
POST forms with a CSRF token that come back to the page they were pressed on.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from opensend.core.mail import SendError
from opensend.core.models import Area
from opensend.directory import feedback_selectors, geo, selectors
from opensend.directory.models import HowToAccess, Service, TaxonomyTerm
from opensend.directory.search import (
    DAYS,
    SORT_DISTANCE,
    SORT_NAME,
    SORT_RELEVANCE,
    SearchQuery,
    SearchResult,
    search,
)
from opensend.directory.shortlist import (
    RateLimited,
    shortlist_add,
    shortlist_email,
    shortlist_ids,
    shortlist_remove,
)
from opensend.directory.views._area import area_or_404

__all__ = ["SearchForm", "ShortlistEmailForm", "urlpatterns"]

DISTANCES = ("1", "3", "5", "10", "25")
TIMES = tuple(f"{hour:02d}:00" for hour in range(7, 22))


class _Codes(forms.MultipleChoiceField):
    """Several codes from a list; an empty value ("Any category") is no choice."""

    def to_python(self, value: Any) -> list[str]:
        return [code for code in super().to_python(value) if code]


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": "Search words must be 200 characters or fewer"},
    )
    category = _Codes(
        required=False, error_messages={"invalid_choice": "Choose a category from the list"}
    )
    need = _Codes(required=False, error_messages={"invalid_choice": "Choose needs from the list"})
    age = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=25,
        error_messages={
            "invalid": "Age must be a number, like 8",
            "min_value": "Age must be 0 or more",
            "max_value": "Age must be 25 or less",
        },
    )
    free = forms.BooleanField(required=False)
    day = forms.ChoiceField(
        required=False,
        choices=[("", "Any day"), *DAYS],
        error_messages={"invalid_choice": "Choose a day from the list"},
    )
    time = forms.CharField(required=False, max_length=5)
    postcode = forms.CharField(
        required=False,
        max_length=10,
        error_messages={"max_length": "Enter a real postcode, like WA7 1AB"},
    )
    distance = forms.ChoiceField(
        required=False,
        choices=[("", "Any distance"), *((d, f"{d} miles") for d in DISTANCES)],
        error_messages={"invalid_choice": "Choose a distance from the list"},
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[("", "Best match"), (SORT_DISTANCE, "Distance"), (SORT_NAME, "Name")],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category_field = self.fields["category"]
        need_field = self.fields["need"]
        assert isinstance(category_field, forms.MultipleChoiceField)  # noqa: S101 - narrowing
        assert isinstance(need_field, forms.MultipleChoiceField)  # noqa: S101 - narrowing
        category_field.choices = [(o.code, o.name) for o in selectors.category_options()]
        need_field.choices = [(o.code, o.name) for o in selectors.need_options()]

    def clean_time(self) -> dt.time | None:
        value: str = self.cleaned_data.get("time") or ""
        if not value:
            return None
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise forms.ValidationError("Enter a time like 17:30")
        return dt.time(int(match.group(1)), int(match.group(2)))

    def clean_postcode(self) -> str:
        value: str = (self.cleaned_data.get("postcode") or "").strip()
        if value and geo.normalise_postcode(value) is None:
            raise forms.ValidationError(
                "Enter a real postcode, like WA7 1AB, or the first part of one, like WA7"
            )
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("distance")
            and not cleaned.get("postcode")
            and "postcode" not in self.errors
        ):
            self.add_error("postcode", "Enter a postcode to search by distance")
        if cleaned.get("sort") == SORT_DISTANCE and not cleaned.get("postcode"):
            cleaned["sort"] = ""
        return cleaned

    def to_query(self, page: int) -> SearchQuery:
        data = self.cleaned_data
        distance = data.get("distance")
        return SearchQuery(
            words=data.get("q") or "",
            categories=tuple(data.get("category") or ()),
            needs=tuple(data.get("need") or ()),
            age=data.get("age"),
            free_only=bool(data.get("free")),
            day=data.get("day") or "",
            time=data.get("time"),
            postcode=data.get("postcode") or "",
            within_miles=float(distance) if distance else None,
            sort=data.get("sort") or "",
            page=page,
            per_page=20,
        )


class ShortlistEmailForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _search_url(area: Area, params: list[tuple[str, str]]) -> str:
    base = reverse("directory:public-search", kwargs={"la_code": area.la_code})
    return f"{base}?{urlencode(params)}" if params else base


def _active_filters(area: Area, query: SearchQuery) -> list[dict[str, str]]:
    """Each filter in force with a link that removes just it."""
    from dataclasses import replace

    categories = {o.code: o.name for o in selectors.category_options()}
    needs = {o.code: o.name for o in selectors.need_options()}
    base = replace(query, page=1)
    found: list[tuple[str, SearchQuery]] = []
    if query.words:
        found.append((f"Words: {query.words}", replace(base, words="")))
    for code in query.categories:
        rest = tuple(c for c in query.categories if c != code)
        found.append((f"Category: {categories.get(code, code)}", replace(base, categories=rest)))
    for code in query.needs:
        rest = tuple(c for c in query.needs if c != code)
        found.append((f"Need: {needs.get(code, code)}", replace(base, needs=rest)))
    if query.age is not None:
        found.append((f"Age: {query.age}", replace(base, age=None)))
    if query.free_only:
        found.append(("Free services only", replace(base, free_only=False)))
    if query.day:
        found.append((f"Open on: {dict(DAYS)[query.day]}", replace(base, day="")))
    if query.time is not None:
        found.append((f"Open at: {selectors.time_in_words(query.time)}", replace(base, time=None)))
    if query.postcode:
        within = f"Within {query.within_miles:g} miles of " if query.within_miles else "Near "
        found.append(
            (
                f"{within}{geo.normalise_postcode(query.postcode) or query.postcode}",
                replace(base, postcode="", within_miles=None, sort=""),
            )
        )
    return [
        {"text": text, "href": _search_url(area, without.to_params())} for text, without in found
    ]


def _cost_summary(service: Service) -> str:
    options = list(service.cost_options.all())
    if any(option.amount == 0 for option in options):
        return "Free"
    if not options:
        return "Free" if not service.fees else service.fees
    priced = [o for o in options if o.amount is not None]
    if priced:
        cheapest = min(priced, key=lambda o: o.amount or 0)
        amount = f"£{cheapest.amount:,.2f}".replace(".00", "")
        option = f" {cheapest.option.lower()}" if cheapest.option else ""
        return f"From {amount}{option}" if len(priced) > 1 else f"{amount}{option}"
    return options[0].amount_description or service.fees or "Ask the service"


def _summary(service: Service) -> dict[str, Any]:
    terms = selectors.service_terms(service)
    distance = getattr(service, "distance_miles", None)
    return {
        "service": service,
        "categories": [t.name for t in terms.get("category", [])],
        "needs": [t.name for t in terms.get("need", [])],
        "cost": _cost_summary(service),
        "distance": None if distance is None else f"{distance:.1f}",
    }


def _next_url(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


# --- Pages ---------------------------------------------------------------------------------------


@login_not_required
def choose_area(request: HttpRequest) -> HttpResponse:
    """``/local-offer/``: the areas with a Local Offer; straight there if there is one."""
    from opensend.directory.models import Service as ServiceModel

    public = ServiceModel.objects.public().filter(area=OuterRef("pk"))
    areas = list(Area.objects.filter(Exists(public)).order_by("name"))
    if len(areas) == 1:
        return redirect("directory:public-search", la_code=areas[0].la_code)
    if not areas:
        areas = list(Area.objects.order_by("name"))
    return render(
        request,
        "directory/public/choose_area.html",
        {"page_title": "Find a Local Offer", "areas": areas},
    )


@login_not_required
def search_page(request: HttpRequest, la_code: str) -> HttpResponse:
    area = area_or_404(la_code)
    searched = any(key in request.GET for key in SearchForm.base_fields)
    form = SearchForm(request.GET if searched else None)
    result: SearchResult | None = None
    query = SearchQuery()
    postcode_problem = ""
    if searched and form.is_valid():
        query = form.to_query(_page_number(request))
        result = search(area, query, source="web")
        postcode_problem = result.postcode_problem
    elif not searched:
        query = SearchQuery(page=_page_number(request))
        result = search(area, query, source=None)  # browsing everything is not a search
    errors = []
    if form.is_bound and form.errors:
        errors = [
            {"text": str(error), "href": f"#{_field_id(name)}"}
            for name, field_errors in form.errors.items()
            for error in field_errors
        ]
    if postcode_problem:
        errors.append({"text": postcode_problem, "href": "#postcode"})
    ids = set(shortlist_ids(request.session, area))
    page_base = _search_url(area, [*query.to_params_without_page(), ("page", "")])
    return render(
        request,
        "directory/public/search.html",
        {
            "page_title": "Search" if not query.words else f"{query.words} – search",
            "page_has_errors": bool(errors),
            "area": area,
            "form": form,
            "query": query,
            "errors": errors,
            "postcode_problem": postcode_problem,
            "result": result,
            "summaries": [_summary(s) for s in result.services] if result else [],
            "shortlisted": ids,
            "active_filters": _active_filters(area, query) if result else [],
            "suggestions": [
                {
                    "text": s.text,
                    "count": s.count,
                    "href": _search_url(area, s.query.to_params()),
                }
                for s in (result.suggestions if result else [])
            ],
            "corrected_href": (
                _search_url(area, SearchQuery(words=result.corrected_words).to_params())
                if result and result.corrected_words
                else ""
            ),
            "category_options": selectors.category_options(),
            "need_options": selectors.need_options(),
            "distances": DISTANCES,
            "times": TIMES,
            "days": DAYS,
            "sort_relevance": SORT_RELEVANCE,
            "page_base": page_base,
            "here": request.get_full_path(),
            "searched": searched,
        },
    )


def _field_id(name: str) -> str:
    return {"q": "q", "category": "category", "need": "need", "free": "free"}.get(name, name)


def _service_context(request: HttpRequest, area: Area, service: Service) -> dict[str, Any]:
    terms = selectors.service_terms(service)
    # Accessibility is tagged on each place (its service-at-location, or the location itself);
    # tags on the service itself, as older versions had them, belong to its first place.
    access = [
        a
        for a in service.attributes.all()
        if a.taxonomy_term.facet == TaxonomyTerm.Facet.ACCESSIBILITY
    ]
    on_service = [a.taxonomy_term for a in access if a.link_id == service.pk]
    locations = []
    for index, sal in enumerate(service.service_at_locations.all()):
        location = sal.location
        tags = [a.taxonomy_term for a in access if a.link_id in (sal.pk, location.pk)]
        if index == 0:
            tags = on_service + tags
        locations.append(
            {
                "location": location,
                "addresses": list(location.addresses.all()),
                "accessibility": list(location.accessibility.all()),
                "accessibility_terms": list({t.pk: t for t in tags}.values()),
                "times": [selectors.schedule_in_words(s) for s in sal.schedules.all()],
            }
        )
    contacts = [
        {"contact": contact, "phones": list(contact.phones.all())}
        for contact in service.contacts.all()
    ]
    return {
        "area": area,
        "service": service,
        "page_title": service.name,
        "categories": terms.get("category", []),
        "needs": terms.get("need", []),
        "accessibility_terms": on_service,
        "suitability": terms.get("suitability", []),
        "cost": _cost_summary(service),
        "cost_options": list(service.cost_options.all()),
        "times": [selectors.schedule_in_words(s) for s in service.schedules.all()],
        "locations": locations,
        "contacts": contacts,
        "languages": [lang.name or lang.code for lang in service.languages.all()],
        "schedule2": selectors.schedule2_rows(service.schedule2.all()),
        "how_to_access": HowToAccess(service.how_to_access).label
        if service.how_to_access in HowToAccess.values
        else "",
        "paragraphs": _paragraphs(service.description),
        "shortlisted": str(service.pk) in shortlist_ids(request.session, area),
        "here": request.get_full_path(),
        "print_href": reverse(
            "directory:public-service-print",
            kwargs={"la_code": area.la_code, "service_id": service.pk},
        ),
        "large_print_href": reverse(
            "directory:public-service-large-print",
            kwargs={"la_code": area.la_code, "service_id": service.pk},
        ),
        "service_href": reverse(
            "directory:public-service", kwargs={"la_code": area.la_code, "service_id": service.pk}
        ),
    }


def _paragraphs(text: str) -> list[str]:
    """Plain text split into paragraphs on blank lines (rendered escaped, never as HTML)."""
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


@login_not_required
def service_page(
    request: HttpRequest, la_code: str, service_id: uuid.UUID, view: str = ""
) -> HttpResponse:
    area = area_or_404(la_code)
    service = selectors.public_service_get(area, service_id)
    context = _service_context(request, area, service)
    context["feedback_answers"] = feedback_selectors.published_for_service(service)
    context["print_view"] = view == "print"
    context["large_print"] = view == "large-print"
    return render(request, "directory/public/service.html", context)


@login_not_required
def service_print(request: HttpRequest, la_code: str, service_id: uuid.UUID) -> HttpResponse:
    return service_page(request, la_code, service_id, view="print")


@login_not_required
def service_large_print(request: HttpRequest, la_code: str, service_id: uuid.UUID) -> HttpResponse:
    return service_page(request, la_code, service_id, view="large-print")


def _shortlist_context(request: HttpRequest, area: Area) -> dict[str, Any]:
    services = selectors.public_services_by_id(area, shortlist_ids(request.session, area))
    return {
        "area": area,
        "page_title": "Your shortlist",
        "summaries": [_summary(s) for s in services],
        "here": request.get_full_path(),
    }


@login_not_required
def shortlist_page(request: HttpRequest, la_code: str) -> HttpResponse:
    area = area_or_404(la_code)
    context = _shortlist_context(request, area)
    context["print_view"] = request.GET.get("view") == "print"
    return render(request, "directory/public/shortlist.html", context)


@login_not_required
@require_POST
def shortlist_add_view(request: HttpRequest, la_code: str) -> HttpResponse:
    area = area_or_404(la_code)
    service = selectors.public_service_get(area, request.POST.get("service", ""))
    shortlist_add(request.session, area, service)
    fallback = reverse("directory:public-shortlist", kwargs={"la_code": area.la_code})
    return HttpResponseRedirect(_next_url(request, fallback))


@login_not_required
@require_POST
def shortlist_remove_view(request: HttpRequest, la_code: str) -> HttpResponse:
    area = area_or_404(la_code)
    shortlist_remove(request.session, area, request.POST.get("service", ""))
    fallback = reverse("directory:public-shortlist", kwargs={"la_code": area.la_code})
    return HttpResponseRedirect(_next_url(request, fallback))


@login_not_required
@require_http_methods(["GET", "POST"])
def shortlist_email_view(request: HttpRequest, la_code: str) -> HttpResponse:
    area = area_or_404(la_code)
    context = _shortlist_context(request, area)
    form = ShortlistEmailForm(request.POST if request.method == "POST" else None)
    context["page_title"] = "Email your shortlist"
    sent = False
    if request.method == "POST" and form.is_valid():
        services = [summary["service"] for summary in context["summaries"]]
        try:
            shortlist_email(
                request.session,
                area=area,
                services=services,
                to=form.cleaned_data["email"],
                service_url=lambda s: request.build_absolute_uri(
                    reverse(
                        "directory:public-service",
                        kwargs={"la_code": area.la_code, "service_id": s.pk},
                    )
                ),
            )
            sent = True
        except RateLimited:
            form.add_error(
                "email", "You have emailed your shortlist 3 times in the last hour. Try again later"
            )
        except SendError:
            form.add_error("email", "Sorry, we could not send the email. Try again later")
    context.update({"form": form, "sent": sent, "page_has_errors": bool(form.errors)})
    if sent:
        # Render, not redirect: the address must not travel in a URL, and is not kept.
        context["form"] = ShortlistEmailForm()
    return render(request, "directory/public/shortlist_email.html", context)


urlpatterns: list[URLPattern] = [
    path("", choose_area, name="public-home"),
    path("<str:la_code>/", search_page, name="public-search"),
    path("<str:la_code>/services/<uuid:service_id>/", service_page, name="public-service"),
    path(
        "<str:la_code>/services/<uuid:service_id>/print/",
        service_print,
        name="public-service-print",
    ),
    path(
        "<str:la_code>/services/<uuid:service_id>/large-print/",
        service_large_print,
        name="public-service-large-print",
    ),
    path("<str:la_code>/shortlist/", shortlist_page, name="public-shortlist"),
    path("<str:la_code>/shortlist/add/", shortlist_add_view, name="public-shortlist-add"),
    path("<str:la_code>/shortlist/remove/", shortlist_remove_view, name="public-shortlist-remove"),
    path("<str:la_code>/shortlist/email/", shortlist_email_view, name="public-shortlist-email"),
]
