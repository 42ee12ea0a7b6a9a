"""The admin's pages for the matcher: source systems (and which of their attributes are
identifiers) and the stored model versions, read-only (train_matcher makes them)."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.utils.translation import gettext as _

from customers.models import MatchModel, SourceSystem


class SourceSystemForm(ModelForm):
    class Meta:
        model = SourceSystem
        fields = ["code", "name", "identifier_attributes"]

    def clean_identifier_attributes(self):
        value = self.cleaned_data["identifier_attributes"]
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            raise ValidationError(
                _('A list of attribute names, e.g. ["member_no", "contract_no"].')
            )
        return [item.strip() for item in value]


@admin.register(SourceSystem)
class SourceSystemAdmin(admin.ModelAdmin):
    form = SourceSystemForm
    list_display = ["code", "name", "identifier_attributes"]
    search_fields = ["code", "name"]


@admin.register(MatchModel)
class MatchModelAdmin(admin.ModelAdmin):
    list_display = ["version", "created_at", "trained_by_name", "record_count", "pair_count"]
    readonly_fields = [
        "version",
        "created_at",
        "trained_by",
        "trained_by_name",
        "record_count",
        "pair_count",
        "parameters",
        "notes",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
