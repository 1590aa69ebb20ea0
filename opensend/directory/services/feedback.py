"""Comments on the Local Offer, and the area's published answers ("you said, we did").

SEND Regulations 2014 regulation 56: the local authority must seek comments on its Local
Offer's content, accessibility and development, and publish the comments and its response,
with the actions it will take, at least annually, in a form that identifies no individual.

A comment moves through these states (``FeedbackStatus``); every move is one function here,
checks who is acting (a Local Offer officer of the comment's area) and whether the move is
allowed from where the comment is, and writes its access log entry in the same transaction::

    new ──themes──▶ themed ──answer──▶ answered ──publish──▶ published
     │                 │                  │  ▲                   │
     └──── withhold ───┴──── withhold ────┘  └──── withdraw ─────┘
                          (answered, not for publication)

- ``feedback_set_themes``: choose the themes (new ⇄ themed; refused once published).
- ``feedback_answer``: the anonymised comment to publish, the response and the action; needs
  at least one theme. A comment that was not for publication can be answered again.
- ``feedback_publish``: only an answered comment, with the anonymised comment, the response and
  the action written, at least one theme, and the officer's confirmation that the comment as
  published identifies nobody.
- ``feedback_withhold``: "not for publication", with the reason (kept in the access log).
- ``feedback_withdraw``: takes a published answer off the public page, with the reason; it is
  answered again and can be changed and published again, or withheld.

The pure rules (the reference, the check for details that may identify someone) are at the
top, with no database.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from opensend.core import access_log
from opensend.core.mail import get_sender
from opensend.core.models import AccessAction, Area, User
from opensend.directory.models import (
    DirectorySettings,
    Feedback,
    FeedbackAbout,
    FeedbackStatus,
    FeedbackTheme,
    Service,
)
from opensend.directory.permissions import is_officer

__all__ = [
    "COMMENT_MAX_LENGTH",
    "REFERENCE_ALPHABET",
    "IdentifyingDetail",
    "feedback_answer",
    "feedback_publish",
    "feedback_set_themes",
    "feedback_submit",
    "feedback_theme_create",
    "feedback_withdraw",
    "feedback_withhold",
    "identifying_details",
    "new_reference",
]

logger = logging.getLogger(__name__)

OBJECT_TYPE = "directory.feedback"

#: The longest comment the form takes, and the longest answer text.
COMMENT_MAX_LENGTH = 3000
ANSWER_MAX_LENGTH = 3000
REASON_MAX_LENGTH = 1000
THEME_NAME_MAX_LENGTH = 120

#: Letters and digits that cannot be mistaken for one another when read aloud or copied by hand
#: (no 0/O, 1/I/L).
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 6
REFERENCE_PREFIX = "LO-"


# --- pure rules ----------------------------------------------------------------------------


def new_reference() -> str:
    """A reference for a comment, such as ``LO-7K3Q9P``: 31⁶ (about 887 million) possibilities
    drawn by the operating system's secure generator, so one reference says nothing about
    another and cannot be guessed."""
    return REFERENCE_PREFIX + "".join(
        secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH)
    )


@dataclass(frozen=True)
class IdentifyingDetail:
    """Something in a text that may identify a person: what kind it looks like, and the text."""

    kind: str  # "email", "phone", "postcode" or "name"
    text: str

    @property
    def label(self) -> str:
        return {
            "email": "an email address",
            "phone": "a phone number",
            "postcode": "a postcode",
            "name": "a name",
        }[self.kind]


_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# A UK number: 0 or +44 then 9 or 10 more digits, allowing spaces, dots, hyphens and brackets.
_PHONE = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)(?:[\s().-]{0,2}\d){9,10}(?!\d)")
# A full UK postcode (outward and inward code), in any case, with or without the space.
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s?\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)
_TITLE_NAME = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?"
)
_RELATIVE_NAME = re.compile(
    r"\b(?:son|daughter|child|boy|girl|brother|sister|husband|wife|partner|grandson|"
    r"granddaughter|nephew|niece|twins?|teacher|worker|nurse|consultant|therapist)"
    r",?\s+(?:is\s+|called\s+|named\s+)?([A-Z][a-z'’-]+)"
)
_CAPITALISED_PAIR = re.compile(r"\b([A-Z][a-z'’-]+)\s+([A-Z][a-z'’-]+)\b")

#: Capitalised words that are common in comments about a Local Offer and are not names.
_COMMON_WORDS = """
    A An The This That These Those My Our Your Their His Her Its We I You They He She It
    If When Why What How Where Who Which And But Or So Also Then After Before Because Please
    Thank Thanks Hello Hi Dear Yes No Not Very All Some Any Every Each Most Many More Last Next
    Local Offer Council County City Borough Service Services School Schools Primary Secondary
    High Academy College University Nursery Centre Center Hospital Clinic Surgery Trust NHS
    Children Childrens Young People Family Families Parent Parents Carer Carers Forum Club
    Support Team Department Health Care Social Education Special Needs Disability Disabilities
    Therapy Speech Language Occupational Physiotherapy Mental Short Breaks Youth Advice
    Information Home Street Road Lane Avenue Park House Hall Library Leisure Sports Swimming
    Pool Website Page Plan Plans Assessment Review Transport Autism Autistic Down Syndrome
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
    June July August September October November December Christmas Easter Summer Half Term
    England English British Sign Makaton Google Facebook Twitter Instagram
    """
NOT_NAMES = frozenset(_COMMON_WORDS.split())


def identifying_details(text: str) -> list[IdentifyingDetail]:
    """What in ``text`` looks like it could identify someone: an email address, a phone number,
    a full postcode, or a name (a title and a surname, a relative called by name, or two
    capitalised words together that are not common words).

    A warning for the officer who writes the comment to publish, never a decision: reg 56
    requires what is published to identify no individual, and only a person can judge that.
    Each detail is reported once, in the order found."""
    found: list[IdentifyingDetail] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int) -> None:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            return
        taken.append((start, end))
        detail = IdentifyingDetail(kind, text[start:end].strip())
        if detail not in found:
            found.append(detail)

    for match in _EMAIL.finditer(text):
        add("email", match.start(), match.end())
    for match in _PHONE.finditer(text):
        add("phone", match.start(), match.end())
    for match in _POSTCODE.finditer(text):
        add("postcode", match.start(), match.end())
    for match in _TITLE_NAME.finditer(text):
        add("name", match.start(), match.end())
    for match in _RELATIVE_NAME.finditer(text):
        if match.group(1) not in NOT_NAMES:
            add("name", match.start(1), match.end(1))
    for match in _CAPITALISED_PAIR.finditer(text):
        first, second = match.group(1), match.group(2)
        if first not in NOT_NAMES and second not in NOT_NAMES:
            add("name", match.start(), match.end())
    order = {"email": 0, "phone": 1, "postcode": 2, "name": 3}
    return sorted(found, key=lambda detail: (order[detail.kind], text.find(detail.text)))


# --- checks shared by the services -----------------------------------------------------------


def _require_officer(user: User | None, area: Area) -> User:
    if user is None or not is_officer(user, area):
        raise PermissionDenied("Only the area's Local Offer officers answer its feedback.")
    return user


def _record(
    *, user: User | None, feedback: Feedback, action: AccessAction, detail: dict[str, object]
) -> None:
    access_log.record(
        actor=user,
        action=action,
        object_type=OBJECT_TYPE,
        object_id=feedback.reference,
        detail={"area": feedback.area.la_code, **detail},
    )


def _locked(feedback: Feedback) -> Feedback:
    """The comment as it is now, locked until the transaction ends, so two officers acting at
    once cannot both move it."""
    return Feedback.objects.select_for_update().select_related("area").get(pk=feedback.pk)


def _clean_text(value: str) -> str:
    return value.replace("\r\n", "\n").strip()


# --- the public's comment ------------------------------------------------------------------


@transaction.atomic
def feedback_submit(
    *,
    area: Area,
    about: str,
    comment: str,
    relationship: str = "",
    reply_email: str = "",
    service: Service | None = None,
    acting_user: User | None = None,
) -> Feedback:
    """Record a comment from anyone (no sign-in), and tell the area's Local Offer team at
    ``DirectorySettings.feedback_email`` if it has one, once the comment is saved. The email
    names the reference and what it is about, and links to it; it never carries the comment or
    the commenter's email address."""
    comment = _clean_text(comment)
    problems: dict[str, str] = {}
    if about not in FeedbackAbout.values:
        problems["about"] = "Select what your comment is about"
    if not comment:
        problems["comment"] = "Enter your comment"
    elif len(comment) > COMMENT_MAX_LENGTH:
        problems["comment"] = f"Your comment must be {COMMENT_MAX_LENGTH:,} characters or fewer"
    if relationship and relationship not in Feedback.Relationship.values:
        problems["relationship"] = "Select who you are from the list"
    if service is not None and (
        service.area_id != area.pk or not Service.objects.public().filter(pk=service.pk).exists()
    ):
        problems["service"] = "That service is not in this Local Offer"
    if problems:
        raise ValidationError(problems)

    feedback = Feedback(
        area=area,
        service=service,
        about=about,
        comment=comment,
        relationship=relationship,
        reply_email=reply_email.strip(),
        received_at=timezone.now(),
        status=FeedbackStatus.NEW,
    )
    for _attempt in range(5):
        feedback.reference = new_reference()
        if Feedback.objects.filter(reference=feedback.reference).exists():
            continue
        feedback.full_clean()
        try:
            with transaction.atomic():
                feedback.save()
        except IntegrityError:  # pragma: no cover - the same reference drawn at the same moment
            continue
        break
    else:  # pragma: no cover - 887 million references; five draws that all clash do not happen
        raise RuntimeError("Could not draw an unused feedback reference.")
    _record(
        user=acting_user,
        feedback=feedback,
        action=AccessAction.CREATE,
        detail={"about": about, "service": str(service.pk) if service else None},
    )
    notify_to = (
        DirectorySettings.objects.filter(area=area).values_list("feedback_email", flat=True).first()
    )
    if notify_to:
        reference = feedback.reference
        transaction.on_commit(
            lambda: _notify_staff(to=notify_to, area=area, reference=reference, service=service)
        )
    return feedback


def notification_text(
    *, area: Area, reference: str, about_label: str, service_name: str, link: str
) -> tuple[str, str]:
    """The subject and body of the email to the Local Offer team about a new comment."""
    subject = f"New Local Offer feedback {reference}"
    lines = [
        f"Someone has left feedback on the {area.name} Local Offer.",
        "",
        f"Reference: {reference}",
        f"About: {about_label}",
    ]
    if service_name:
        lines.append(f"Service: {service_name}")
    lines += [
        "",
        "Read it, theme it and answer it here (you will need to sign in):",
        link,
        "",
        "Regulation 56 of the SEND Regulations 2014: the comment and the area's response are "
        'published, anonymised, on the "you said, we did" page.',
    ]
    return subject, "\n".join(lines)


def _notify_staff(*, to: str, area: Area, reference: str, service: Service | None) -> None:
    feedback = Feedback.objects.filter(reference=reference).first()
    if feedback is None:  # pragma: no cover - removed before the commit hook ran
        return
    path = reverse("directory:feedback-item", args=[area.la_code, reference])
    subject, body = notification_text(
        area=area,
        reference=reference,
        about_label=str(feedback.get_about_display()),
        service_name=service.name if service else "",
        link=settings.OPENSEND_BASE_URL.rstrip("/") + path,
    )
    try:
        get_sender().send(to=to, subject=subject, body=body, reference=f"opensend-{reference}")
    except Exception:
        # The comment is saved and in the queue whatever happens to the email.
        logger.exception("Could not tell %s about Local Offer feedback %s", to, reference)


# --- themes --------------------------------------------------------------------------------


@transaction.atomic
def feedback_theme_create(
    *, acting_user: User, area: Area, name: str, description: str = ""
) -> FeedbackTheme:
    """A new theme for the area's feedback (names are unique in an area, whatever the case)."""
    _require_officer(acting_user, area)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"new_theme": "Enter the name of the new theme"})
    if len(name) > THEME_NAME_MAX_LENGTH:
        raise ValidationError(
            {"new_theme": f"The theme's name must be {THEME_NAME_MAX_LENGTH} characters or fewer"}
        )
    if FeedbackTheme.objects.filter(area=area, name__iexact=name).exists():
        raise ValidationError({"new_theme": f"There is already a theme called {name}"})
    theme = FeedbackTheme(area=area, name=name, description=description.strip())
    theme.full_clean()
    theme.save()
    access_log.record(
        actor=acting_user,
        action=AccessAction.CREATE,
        object_type="directory.feedbacktheme",
        object_id=theme.pk,
        detail={"area": area.la_code, "name": name},
    )
    return theme


@transaction.atomic
def feedback_set_themes(
    *, acting_user: User, feedback: Feedback, themes: Iterable[FeedbackTheme]
) -> Feedback:
    """Choose the comment's themes. A new comment with a theme becomes "themed"; a themed one
    left with none is new again. A published answer's themes are public, so they change only
    after it is withdrawn."""
    _require_officer(acting_user, feedback.area)
    feedback = _locked(feedback)
    chosen = list(themes)
    if any(theme.area_id != feedback.area_id for theme in chosen):
        raise ValidationError({"themes": "Choose themes of this area's Local Offer"})
    if feedback.status == FeedbackStatus.PUBLISHED:
        raise ValidationError(
            {"themes": "The answer is published: withdraw it before changing its themes"}
        )
    before = sorted(feedback.themes.values_list("name", flat=True))
    feedback.themes.set(chosen)
    if feedback.status == FeedbackStatus.NEW and chosen:
        feedback.status = FeedbackStatus.TRIAGED
    elif feedback.status == FeedbackStatus.TRIAGED and not chosen:
        feedback.status = FeedbackStatus.NEW
    feedback.save(update_fields=["status"])
    _record(
        user=acting_user,
        feedback=feedback,
        action=AccessAction.CHANGE,
        detail={"themes": {"from": before, "to": sorted(theme.name for theme in chosen)}},
    )
    return feedback


# --- answering and publishing --------------------------------------------------------------


@transaction.atomic
def feedback_answer(
    *,
    acting_user: User,
    feedback: Feedback,
    published_comment: str,
    response: str,
    action: str,
) -> Feedback:
    """Write (or change) the answer: the comment as it will be published, with anything that
    identifies someone taken out; the area's response; what it did or will do. Needs at least
    one theme; a published answer is withdrawn before it is changed."""
    _require_officer(acting_user, feedback.area)
    feedback = _locked(feedback)
    if feedback.status == FeedbackStatus.PUBLISHED:
        raise ValidationError(
            {"published_comment": "The answer is published: withdraw it before changing it"}
        )
    if not feedback.themes.exists():
        raise ValidationError(
            {"published_comment": "Choose at least one theme before answering the comment"}
        )
    texts = {
        "published_comment": _clean_text(published_comment),
        "response": _clean_text(response),
        "action": _clean_text(action),
    }
    names = {
        "published_comment": "The comment to publish",
        "response": "The response",
        "action": "The action",
    }
    problems = {
        field: f"{names[field]} must be {ANSWER_MAX_LENGTH:,} characters or fewer"
        for field, value in texts.items()
        if len(value) > ANSWER_MAX_LENGTH
    }
    if not texts["response"]:
        problems.setdefault("response", "Enter the response")
    if problems:
        raise ValidationError(problems)
    feedback.published_comment = texts["published_comment"]
    feedback.response = texts["response"]
    feedback.action = texts["action"]
    feedback.status = FeedbackStatus.ANSWERED
    feedback.answered_by = acting_user
    feedback.answered_at = timezone.now()
    feedback.full_clean()
    feedback.save()
    _record(
        user=acting_user, feedback=feedback, action=AccessAction.CHANGE, detail={"answered": True}
    )
    return feedback


@transaction.atomic
def feedback_publish(
    *, acting_user: User, feedback: Feedback, confirmed_anonymous: bool
) -> Feedback:
    """Publish the answer on "you said, we did": only an answered comment, with the comment to
    publish, the response and the action written and at least one theme, and only when the
    officer confirms that the comment as published identifies nobody (reg 56)."""
    _require_officer(acting_user, feedback.area)
    feedback = _locked(feedback)
    if feedback.status == FeedbackStatus.PUBLISHED:
        raise ValidationError({"confirm_anonymous": "The answer is already published"})
    if feedback.status != FeedbackStatus.ANSWERED:
        raise ValidationError({"confirm_anonymous": "Answer the comment before publishing it"})
    problems: dict[str, str] = {}
    if not feedback.published_comment.strip():
        problems["published_comment"] = "Write the comment to publish before publishing"
    if not feedback.response.strip():
        problems["response"] = "Write the response before publishing"
    if not feedback.action.strip():
        problems["action"] = "Write the action the area has taken or will take before publishing"
    if not feedback.themes.exists():
        problems["themes"] = "Choose at least one theme before publishing"
    if not confirmed_anonymous:
        problems["confirm_anonymous"] = (
            "Confirm that the comment as published does not identify anyone"
        )
    if problems:
        raise ValidationError(problems)
    feedback.status = FeedbackStatus.PUBLISHED
    feedback.published_at = timezone.now()
    feedback.save(update_fields=["status", "published_at"])
    warnings = identifying_details(feedback.published_comment)
    _record(
        user=acting_user,
        feedback=feedback,
        action=AccessAction.CHANGE,
        detail={
            "published": True,
            "confirmed_anonymous": True,
            # The kinds only: the log never copies what might identify someone.
            "warnings_overridden": [detail.kind for detail in warnings],
        },
    )
    return feedback


def _reason(reason: str, *, what: str) -> str:
    reason = _clean_text(reason)
    if not reason:
        raise ValidationError({"reason": f"Enter the reason {what}"})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": f"The reason must be {REASON_MAX_LENGTH:,} characters or fewer"}
        )
    return reason


@transaction.atomic
def feedback_withhold(*, acting_user: User, feedback: Feedback, reason: str) -> Feedback:
    """Mark a comment "not for publication" (abuse, spam, a complaint about one person, a case
    that cannot be anonymised), with the reason, which the access log keeps. A published
    answer is withdrawn first."""
    _require_officer(acting_user, feedback.area)
    feedback = _locked(feedback)
    if feedback.status == FeedbackStatus.PUBLISHED:
        raise ValidationError({"reason": "The answer is published: withdraw it first"})
    if feedback.status == FeedbackStatus.NOT_PUBLISHED:
        raise ValidationError({"reason": "The comment is already marked not for publication"})
    text = _reason(reason, what="it is not for publication")
    feedback.status = FeedbackStatus.NOT_PUBLISHED
    feedback.answered_by = feedback.answered_by or acting_user
    feedback.answered_at = feedback.answered_at or timezone.now()
    feedback.save(update_fields=["status", "answered_by", "answered_at"])
    access_log.record(
        actor=acting_user,
        action=AccessAction.CHANGE,
        object_type=OBJECT_TYPE,
        object_id=feedback.reference,
        reason=text,
        detail={"area": feedback.area.la_code, "withheld": True},
    )
    return feedback


@transaction.atomic
def feedback_withdraw(*, acting_user: User, feedback: Feedback, reason: str) -> Feedback:
    """Take a published answer off the public page, with the reason (kept in the access log).
    The comment is answered again: it can be changed and published again, or withheld."""
    _require_officer(acting_user, feedback.area)
    feedback = _locked(feedback)
    if feedback.status != FeedbackStatus.PUBLISHED:
        raise ValidationError({"reason": "Only a published answer can be withdrawn"})
    text = _reason(reason, what="for withdrawing it")
    feedback.status = FeedbackStatus.ANSWERED
    feedback.published_at = None
    feedback.save(update_fields=["status", "published_at"])
    access_log.record(
        actor=acting_user,
        action=AccessAction.CHANGE,
        object_type=OBJECT_TYPE,
        object_id=feedback.reference,
        reason=text,
        detail={"area": feedback.area.la_code, "withdrawn": True},
    )
    return feedback
