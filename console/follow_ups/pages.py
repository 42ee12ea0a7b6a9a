"""The survey page a customer opens from a follow-up's link: no login (the signed link is the
key), one question and a comment, answered once."""

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from console.follow_ups.surveys import (
    SCORES,
    Answer,
    SurveyLinkError,
    answer_survey,
    survey_for_token,
)


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you with how we handled your enquiry?"),
        choices=[(score, str(score)) for score in SCORES],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Anything you would like to tell us (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@require_http_methods(["GET", "POST"])
def survey(request, token: str):
    try:
        found = survey_for_token(token)
    except SurveyLinkError:
        return render(request, "follow_ups/survey.html", {"state": "invalid"}, status=404)
    if found.answered_at is not None:
        return render(request, "follow_ups/survey.html", {"state": "answered"})
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        answer_survey(token=token, answer=Answer(**form.cleaned_data))
        return render(request, "follow_ups/survey.html", {"state": "thanks"})
    status = 400 if request.method == "POST" else 200
    return render(request, "follow_ups/survey.html", {"state": "open", "form": form}, status=status)
