"""The desks' call rules in the admin: whether a wrap-up code is required, and which questions
the identity check asks (only known ones: never a PIN)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from contacts.models import DeskPolicy, IdentityQuestion


class DeskPolicyForm(forms.ModelForm):
    identity_questions = forms.MultipleChoiceField(
        label=_("identity check questions"),
        choices=IdentityQuestion.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = DeskPolicy
        fields = ["desk", "wrap_up_code_required", "identity_questions"]


@admin.register(DeskPolicy)
class DeskPolicyAdmin(admin.ModelAdmin):
    form = DeskPolicyForm
    list_display = ["desk", "wrap_up_code_required", "identity_questions"]
