"""The public Local Offer pages: choosing an area, searching, a service page (with its print and
large-print views), the shortlist and emailing it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from opensend.core import mail
from opensend.core.tests.factories import AreaFactory
from opensend.directory.models import (
    Accessibility,
    Language,
    Schedule2Answer,
    SearchLog,
    ServiceStatus,
)
from opensend.directory.shortlist import EMAILS_PER_HOUR, SESSION_KEY
from opensend.directory.tests.factories import public_service


@pytest.fixture
def slt(area):
    return public_service(
        area=area,
        name="Speech and Language Therapy Service",
        description="We help children talk.\n\nAsk your GP <script>alert('x')</script>.",
        needs=("SLCN",),
        categories=("therapies",),
        latitude=53.40254,
        longitude=-2.97928,
        postcode="L1 8JQ",
        phone="01632 960123",
        cost="0",
        opens=("MO,TU", "09:00", "17:00"),
        minimum_age=2,
        maximum_age=11,
        how_to_access="referral",
        referral_by="GP, health visitor or school",
        url="https://slt.example.org/",
        email="slt@example.org",
    )


@pytest.fixture
def swim(area):
    return public_service(
        area=area, name="Splash Swimming Club", categories=("leisure",), cost="3.50"
    )


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- Choosing an area ---------------------------------------------------------------------------


def test_one_area_with_a_local_offer_goes_straight_to_it(client, slt):
    response = client.get("/local-offer/")
    assert response.status_code == 302
    assert response["Location"] == "/local-offer/990/"


def test_several_areas_are_listed(client, slt):
    other = AreaFactory(name="Nether Wallop")
    public_service(area=other)
    response = client.get("/local-offer/")
    assert response.status_code == 200
    assert "Halford Vale Local Offer" in text(response)
    assert "Nether Wallop Local Offer" in text(response)


def test_an_unknown_area_is_404(client, db):
    assert client.get("/local-offer/000/").status_code == 404


# --- Search page ----------------------------------------------------------------------------------


def test_the_search_page_lists_services_without_signing_in(client, slt, swim):
    response = client.get("/local-offer/990/")
    assert response.status_code == 200
    body = text(response)
    assert "Halford Vale Local Offer" in body
    assert "2 services" in body
    assert "Speech and Language Therapy Service" in body
    assert not SearchLog.objects.exists()  # browsing is not a search


def test_a_search_shows_count_summary_and_removable_filters(client, slt, swim):
    response = client.get(
        "/local-offer/990/", {"q": "speach", "need": "SLCN", "postcode": "l1", "distance": "5"}
    )
    body = text(response)
    assert 'data-result-count="1"' in body
    assert "0.0 miles away" in body
    assert "Free" in body
    assert "Therapies" in body
    assert f"Last checked</dt><dd>{timezone.localdate():%-d %B %Y}" in body
    # each filter links to the same search without it
    assert "Need: Speech, language and communication needs" in body
    assert 'href="/local-offer/990/?q=speach&amp;postcode=l1&amp;distance=5"' in body
    assert "Within 5 miles of L1" in body
    assert "similar spellings" in body
    log = SearchLog.objects.get()
    assert (log.words, log.postcode_district, log.result_count) == ("speach", "L1", 1)


def test_no_results_suggest_broader_searches(client, slt, swim):
    response = client.get("/local-offer/990/", {"q": "swimming", "free": "yes"})
    body = text(response)
    assert "No services match your search" in body
    assert "Include services that charge" in body
    assert 'href="/local-offer/990/?q=swimming"' in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"age": "eight"}, "Age must be a number, like 8"),
        ({"age": "30"}, "Age must be 25 or less"),
        ({"postcode": "not a postcode"}, "Enter a real postcode"),
        ({"distance": "5"}, "Enter a postcode to search by distance"),
        ({"distance": "7"}, "Choose a distance from the list"),
        ({"time": "25:00"}, "Enter a time like 17:30"),
        ({"day": "XX"}, "Choose a day from the list"),
        ({"need": "XYZ"}, "Choose needs from the list"),
        ({"category": "nonsense"}, "Choose a category from the list"),
    ],
)
def test_bad_input_gets_an_error_summary(client, slt, params, message):
    response = client.get("/local-offer/990/", params)
    body = text(response)
    assert response.status_code == 200
    assert "There is a problem" in body
    assert message in body
    assert "<title>Error:" in body
    assert not SearchLog.objects.exists()


def test_an_unknown_postcode_says_so(client, slt):
    response = client.get("/local-offer/990/", {"postcode": "ZZ9 9ZZ"})
    body = text(response)
    assert "We could not find the postcode ZZ9 9ZZ" in body
    assert 'href="#postcode"' in body


def test_the_empty_category_choice_is_no_filter(client, slt, swim):
    response = client.get("/local-offer/990/", {"q": "", "category": ""})
    assert 'data-result-count="2"' in text(response)


def test_results_are_paged(client, area):
    for n in range(23):
        public_service(area=area, name=f"Club {n:02d}")
    body = text(client.get("/local-offer/990/", {"q": "club", "page": "2"}))
    assert "Club 20" in body and "Club 00" not in body
    assert 'href="/local-offer/990/?q=club&amp;page=1"' in body
    browsing = text(client.get("/local-offer/990/", {"page": "2"}))
    assert "Club 20" in browsing and "Club 00" not in browsing
    assert 'href="/local-offer/990/?page=1"' in browsing


# --- Service page ---------------------------------------------------------------------------------


def test_the_service_page_has_what_a_parent_needs(client, slt):
    location = slt.service_at_locations.get().location
    Accessibility.objects.create(location=location, description="Step-free entrance")
    Language.objects.create(service=slt, name="Polish", code="pl")
    Schedule2Answer.objects.create(
        service=slt, topic="approach", options=["small-groups"], detail="Groups of four."
    )
    slt.alert = "Our waiting list is 12 weeks."
    slt.save()
    body = text(client.get(f"/local-offer/990/services/{slt.pk}/"))
    for expected in [
        "Speech and Language Therapy Service",
        "Our waiting list is 12 weeks.",
        "2 to 11 years",
        "Speech, language and communication needs",
        "Needs a referral",
        "GP, health visitor or school",
        "Mondays and Tuesdays, 9am to 5pm",
        "01632 960123",
        "Step-free entrance",
        "Polish",
        "https://slt.example.org/",
        "slt@example.org",
        "L1 8JQ",
        "Small-group teaching",
        "Groups of four.",
        "Last checked",
        "Last updated",
        f'href="/local-offer/990/feedback/?service={slt.pk}"',
        "Tell us what you think of this service",
        "No comments about this service have been published yet.",
    ]:
        assert expected in body, expected


def test_a_description_is_escaped_text_in_paragraphs(client, slt):
    body = text(client.get(f"/local-offer/990/services/{slt.pk}/"))
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body
    assert '<p class="govuk-body app-pre-line">We help children talk.</p>' in body


def test_a_temporarily_closed_service_says_when_it_reopens(client, slt):
    slt.status = ServiceStatus.TEMPORARILY_CLOSED
    slt.reopens_on = dt.date(2027, 1, 4)
    slt.save()
    body = text(client.get(f"/local-offer/990/services/{slt.pk}/"))
    assert "This service is temporarily closed. It reopens on 4 January 2027." in body


@pytest.mark.parametrize("how", ["draft", "archived", "scheduled", "hidden", "inactive"])
def test_a_service_the_public_may_not_see_is_404(client, slt, how):
    if how == "draft":
        slt.published_revision = None
    elif how == "archived":
        slt.archived_at = timezone.now()
    elif how == "scheduled":
        slt.publish_from = timezone.localdate() + dt.timedelta(days=1)
    elif how == "hidden":
        slt.stale_hidden_at = timezone.now()
    else:
        slt.status = ServiceStatus.INACTIVE
    slt.save()
    for suffix in ("", "print/", "large-print/"):
        assert client.get(f"/local-offer/990/services/{slt.pk}/{suffix}").status_code == 404


def test_another_areas_service_is_404_here(client, slt):
    other = AreaFactory(la_code="991")
    assert client.get(f"/local-offer/{other.la_code}/services/{slt.pk}/").status_code == 404


def test_print_and_large_print_views(client, slt):
    printed = text(client.get(f"/local-offer/990/services/{slt.pk}/print/"))
    assert "Speech and Language Therapy Service" in printed
    assert "govuk-breadcrumbs" not in printed
    assert "Add to shortlist" not in printed
    large = text(client.get(f"/local-offer/990/services/{slt.pk}/large-print/"))
    assert "directory/large-print.css" in large
    assert "govuk-grid-column-full" in large
    assert "Standard print size" in large


# --- Shortlist ------------------------------------------------------------------------------------


def test_add_and_remove_with_post_forms(client, slt, swim):
    here = "/local-offer/990/?q=speech"
    response = client.post(
        "/local-offer/990/shortlist/add/", {"service": str(slt.pk), "next": here}
    )
    assert (response.status_code, response["Location"]) == (302, here)
    client.post("/local-offer/990/shortlist/add/", {"service": str(swim.pk)})
    client.post("/local-offer/990/shortlist/add/", {"service": str(slt.pk)})  # once only
    assert client.session[SESSION_KEY] == {"990": [str(slt.pk), str(swim.pk)]}
    body = text(client.get("/local-offer/990/shortlist/"))
    assert "Speech and Language Therapy Service" in body and "Splash Swimming Club" in body
    assert "Remove from shortlist" in body
    client.post("/local-offer/990/shortlist/remove/", {"service": str(slt.pk)})
    assert client.session[SESSION_KEY] == {"990": [str(swim.pk)]}


def test_the_shortlist_button_shows_the_state_on_search_and_service_pages(client, slt):
    client.post("/local-offer/990/shortlist/add/", {"service": str(slt.pk)})
    assert "Remove from shortlist" in text(client.get(f"/local-offer/990/services/{slt.pk}/"))
    assert "Remove from shortlist" in text(client.get("/local-offer/990/"))


def test_adding_needs_post_and_a_public_service(client, slt):
    assert client.get("/local-offer/990/shortlist/add/").status_code == 405
    slt.archived_at = timezone.now()
    slt.save()
    assert (
        client.post("/local-offer/990/shortlist/add/", {"service": str(slt.pk)}).status_code == 404
    )
    assert client.post("/local-offer/990/shortlist/add/", {"service": "junk"}).status_code == 404


def test_next_must_be_on_this_site(client, slt):
    response = client.post(
        "/local-offer/990/shortlist/add/",
        {"service": str(slt.pk), "next": "https://evil.example.com/"},
    )
    assert response["Location"] == "/local-offer/990/shortlist/"


def test_the_shortlist_drops_services_that_stop_being_public(client, slt, swim):
    client.post("/local-offer/990/shortlist/add/", {"service": str(slt.pk)})
    client.post("/local-offer/990/shortlist/add/", {"service": str(swim.pk)})
    slt.archived_at = timezone.now()
    slt.save()
    body = text(client.get("/local-offer/990/shortlist/"))
    assert "Speech and Language Therapy Service" not in body
    assert "Splash Swimming Club" in body


def test_the_shortlist_print_view(client, slt):
    client.post("/local-offer/990/shortlist/add/", {"service": str(slt.pk)})
    body = text(client.get("/local-offer/990/shortlist/", {"view": "print"}))
    assert "Speech and Language Therapy Service" in body
    assert "Remove from shortlist" not in body
    assert "Print your shortlist" not in body


@pytest.fixture
def outbox():
    mail.outbox.clear()
    yield mail.outbox
    mail.outbox.clear()


def test_email_the_shortlist_to_yourself(client, slt, swim, outbox):
    client.post("/local-offer/990/shortlist/add/", {"service": str(slt.pk)})
    client.post("/local-offer/990/shortlist/add/", {"service": str(swim.pk)})
    response = client.post("/local-offer/990/shortlist/email/", {"email": "parent@example.com"})
    assert "Shortlist sent" in text(response)
    assert "parent@example.com" not in text(response)
    (sent,) = outbox
    assert sent.to == "parent@example.com"
    assert sent.subject == "Your Halford Vale Local Offer shortlist"
    assert "Speech and Language Therapy Service" in sent.body
    assert f"http://testserver/local-offer/990/services/{slt.pk}/" in sent.body
    assert "parent@example.com" not in str(dict(client.session))


def test_email_needs_a_valid_address(client, slt, outbox):
    client.post("/local-offer/990/shortlist/add/", {"service": str(slt.pk)})
    for value, message in [
        ("", "Enter your email address"),
        ("not-an-email", "Enter an email address in the correct format"),
    ]:
        body = text(client.post("/local-offer/990/shortlist/email/", {"email": value}))
        assert "There is a problem" in body and message in body
        assert 'href="#id_email"' in body
    assert outbox == []


def test_email_is_rate_limited_per_session(client, slt, outbox):
    client.post("/local-offer/990/shortlist/add/", {"service": str(slt.pk)})
    for _ in range(EMAILS_PER_HOUR):
        client.post("/local-offer/990/shortlist/email/", {"email": "parent@example.com"})
    body = text(client.post("/local-offer/990/shortlist/email/", {"email": "parent@example.com"}))
    assert "You have emailed your shortlist 3 times in the last hour" in body
    assert len(outbox) == EMAILS_PER_HOUR


def test_email_with_an_empty_shortlist_offers_nothing_to_send(client, outbox, area):
    body = text(client.get("/local-offer/990/shortlist/email/"))
    assert "Your shortlist is empty" in body
    assert outbox == []
