"""The satisfaction survey: a signed link (no login) to one question and a comment, counted
once however often it is opened or posted."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from console.follow_ups.models import Survey

SALT = "console.follow_ups.survey"
# A survey answered a month later says little about the contact.
VALID_FOR = timedelta(days=30)
SCORES = range(1, 6)


def survey_token(follow_up) -> str:
    return signing.dumps(str(follow_up.pk), salt=SALT, compress=True)


def survey_url(follow_up) -> str:
    path = reverse("survey", kwargs={"token": survey_token(follow_up)})
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}"


class SurveyLinkError(Exception):
    """A link that is forged, expired or for no survey."""


def survey_for_token(token: str) -> Survey:
    try:
        follow_up_id = signing.loads(token, salt=SALT, max_age=VALID_FOR)
    except signing.BadSignature as error:  # SignatureExpired is one too
        raise SurveyLinkError("This survey link is not valid.") from error
    survey = Survey.objects.filter(follow_up_id=follow_up_id).first()
    if survey is None:
        raise SurveyLinkError("This survey link is not valid.")
    return survey


@dataclass(frozen=True)
class Answer:
    score: int
    comment: str = ""


@transaction.atomic
def answer_survey(*, token: str, answer: Answer) -> bool:
    """True when this answer was recorded; False when the survey was answered before (the first
    answer stands: one conditional update, so two posts at once count once)."""
    survey = survey_for_token(token)
    if answer.score not in SCORES:
        raise ValueError("The score must be 1 to 5.")
    updated = Survey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
        answered_at=timezone.now(), score=answer.score, comment=answer.comment.strip()[:2000]
    )
    return updated == 1
